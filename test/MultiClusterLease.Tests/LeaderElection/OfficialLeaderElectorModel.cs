using k8s.LeaderElection;

namespace MultiClusterLease.Tests.LeaderElection;

/// <summary>
/// A model of the official Kubernetes C# client's <c>LeaderElector</c> (kubernetes-client/csharp,
/// src/KubernetesClient/LeaderElection/LeaderElector.cs), written from its documented behaviour and source so that
/// <see cref="MultiClusterLease.Client.LeaderElection.MultiClusterLeaseLock"/> can be driven exactly as the real one
/// drives an <see cref="ILock"/> (the real package cannot be restored here). What it reproduces:
/// <list type="bullet">
/// <item>Acquire loop: each attempt races a delay of RetryPeriod × 1.2 × (1 + rand); a slower attempt is abandoned, not
/// cancelled, and a new one starts — so lock calls overlap. After a failed attempt it sleeps one RetryPeriod.</item>
/// <item>A record with a null holder, acquire time or renew time (or null from Get) leads to CreateAsync.</item>
/// <item>Expiry is judged on the elector's own clock: a record is "observed" when it differs (holder, acquire time,
/// renew time) from the last one, and counts as expired LeaseDuration after that observation. A record held by another
/// identity and not expired → no write. An empty holder → UpdateAsync at once.</item>
/// <item>Renew loop: after leading starts, it keeps calling TryAcquireOrRenew (sleeping RetryPeriod after each failure)
/// until one succeeds, bounded by RenewDeadline; on success it sleeps RetryPeriod and repeats; when the deadline passes
/// first, it stops leading (OnStoppedLeading). The abandoned renew task is not cancelled.</item>
/// <item>Exceptions from GetAsync other than an HTTP 404 escape TryAcquireOrRenew: in the acquire loop they end
/// RunAsync; in the renew loop they are reported through OnError and count as a failed renewal.</item>
/// </list>
/// Like the real one, it uses the wall clock (here the <see cref="TimeProvider"/>'s UTC now) for observed times.
/// </summary>
internal sealed class OfficialLeaderElectorModel
{
    private const double JitterFactor = 1.2;
    private readonly ILock _lock;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeSpan _renewDeadline;
    private readonly TimeSpan _retryPeriod;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private volatile LeaderElectionRecord? _observedRecord;
    private DateTimeOffset _observedTime = DateTimeOffset.MinValue;
    private string? _reportedLeader;

    public OfficialLeaderElectorModel(ILock @lock, TimeSpan leaseDuration, TimeSpan renewDeadline, TimeSpan retryPeriod, TimeProvider? time = null, int seed = 0)
    {
        _lock = @lock;
        _leaseDuration = leaseDuration;
        _renewDeadline = renewDeadline;
        _retryPeriod = retryPeriod;
        _time = time ?? TimeProvider.System;
        _random = new Random(seed);
    }

    public event Action? OnStartedLeading;

    public event Action? OnStoppedLeading;

    public event Action<string>? OnNewLeader;

    public event Action<Exception>? OnError;

    public bool IsLeader() => _observedRecord?.HolderIdentity != null && _observedRecord.HolderIdentity == _lock.Identity;

    public string? GetLeader() => _observedRecord?.HolderIdentity;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await AcquireAsync(cancellationToken);
        try
        {
            OnStartedLeading?.Invoke();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var renew = Task.Run(async () =>
                {
                    try
                    {
                        while (!await TryAcquireOrRenewAsync(cancellationToken))
                        {
                            await Task.Delay(_retryPeriod, _time, cancellationToken);
                            MaybeReportTransition();
                        }
                    }
                    catch (Exception e)
                    {
                        OnError?.Invoke(e);
                        return false;
                    }

                    return true;
                });

                if (await Task.WhenAny(renew, Task.Delay(_renewDeadline, _time, cancellationToken)) == renew)
                {
                    if (await renew)
                    {
                        await Task.Delay(_retryPeriod, _time, cancellationToken);
                        continue;
                    }
                }

                break;
            }
        }
        finally
        {
            OnStoppedLeading?.Invoke();
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var record = new LeaderElectionRecord
        {
            HolderIdentity = _lock.Identity,
            LeaseDurationSeconds = (int)_leaseDuration.TotalSeconds,
            AcquireTime = now,
            RenewTime = now,
            LeaderTransitions = 0,
        };

        // 1. Obtain or create the record. (The real elector catches only HttpOperationException here; our lock never
        // throws one, and any other exception propagates exactly as it does in the real elector.)
        var old = await _lock.GetAsync(cancellationToken);
        if (old?.AcquireTime == null || old.RenewTime == null || old.HolderIdentity == null)
        {
            var created = await _lock.CreateAsync(record, cancellationToken);
            if (created)
            {
                _observedRecord = record;
                _observedTime = _time.GetUtcNow();
                return true;
            }

            return false;
        }

        // 2. Record obtained: check identity and time.
        if (!Equals(_observedRecord, old))
        {
            _observedRecord = old;
            _observedTime = _time.GetUtcNow();
        }

        if (!string.IsNullOrEmpty(old.HolderIdentity) && _observedTime + _leaseDuration > _time.GetUtcNow() && !IsLeader())
        {
            return false;
        }

        // 3. Update.
        if (IsLeader())
        {
            record.AcquireTime = old.AcquireTime;
            record.LeaderTransitions = old.LeaderTransitions;
        }
        else
        {
            record.LeaderTransitions = old.LeaderTransitions + 1;
        }

        if (!await _lock.UpdateAsync(record, cancellationToken))
        {
            return false;
        }

        _observedRecord = record;
        _observedTime = _time.GetUtcNow();
        return true;
    }

    private async Task AcquireAsync(CancellationToken cancellationToken)
    {
        var delay = _retryPeriod;
        while (true)
        {
            try
            {
                var attempt = TryAcquireOrRenewAsync(cancellationToken);
                double factor;
                lock (_random)
                {
                    factor = JitterFactor * (_random.NextDouble() + 1);
                }

                if (await Task.WhenAny(attempt, Task.Delay(delay * factor, _time, cancellationToken)) == attempt)
                {
                    if (await attempt)
                    {
                        return;
                    }

                    await Task.Delay(delay, _time, cancellationToken);
                }
            }
            finally
            {
                MaybeReportTransition();
            }
        }
    }

    private void MaybeReportTransition()
    {
        var observed = _observedRecord;
        if (observed == null || observed.HolderIdentity == _reportedLeader)
        {
            return;
        }

        _reportedLeader = observed.HolderIdentity;
        OnNewLeader?.Invoke(_reportedLeader);
    }
}
