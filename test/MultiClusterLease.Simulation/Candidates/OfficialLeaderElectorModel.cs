using k8s.LeaderElection;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Simulation.Candidates;

/// <summary>
/// The official KubernetesClient <c>LeaderElector</c> (src/KubernetesClient/LeaderElection/LeaderElector.cs, 21.0.8),
/// transcribed line for line onto a <see cref="TimeProvider"/> so it runs in simulated time: the real one calls
/// <c>Task.Delay</c> without a time provider, <c>DateTimeOffset.Now</c>, <c>new Random()</c> and <c>Task.Run</c> with
/// <c>ConfigureAwait(false)</c>, which no single-threaded scheduler (and no Coyote rewriting: it has no virtual clock)
/// can control. What it keeps: the acquire loop racing each attempt against RetryPeriod × 1.2 × (1 + rand) and
/// abandoning (not cancelling) a slower one; Create when the record lacks holder or times; expiry observed on its own
/// clock from the last change of the record; the renew loop bounded by RenewDeadline; exceptions from the lock
/// reported through OnError.
/// </summary>
internal sealed class OfficialLeaderElectorModel
{
    private const double JitterFactor = 1.2;
    private readonly ILock _lock;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeSpan _renewDeadline;
    private readonly TimeSpan _retryPeriod;
    private readonly TimeProvider _time;
    private LeaderElectionRecord? _observedRecord;
    private DateTimeOffset _observedTime = DateTimeOffset.MinValue;

    public OfficialLeaderElectorModel(ILock @lock, TimeSpan leaseDuration, TimeSpan renewDeadline, TimeSpan retryPeriod, TimeProvider time)
    {
        _lock = @lock;
        _leaseDuration = leaseDuration;
        _renewDeadline = renewDeadline;
        _retryPeriod = retryPeriod;
        _time = time;
    }

    public event Action? OnStartedLeading;

    public event Action? OnStoppedLeading;

    public bool IsLeader() => _observedRecord?.HolderIdentity != null && _observedRecord.HolderIdentity == _lock.Identity;

    public async Task RunAndTryToHoldLeadershipForeverAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunUntilLeadershipLostAsync(cancellationToken);
        }
    }

    public async Task RunUntilLeadershipLostAsync(CancellationToken cancellationToken)
    {
        await AcquireAsync(cancellationToken);
        try
        {
            OnStartedLeading?.Invoke();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var renew = RenewUntilDoneAsync(cancellationToken);
                if (await Task.WhenAny(renew, Task.Delay(_renewDeadline, _time, cancellationToken)) == renew && await renew)
                {
                    await Task.Delay(_retryPeriod, _time, cancellationToken);
                    continue;
                }

                break;
            }
        }
        finally
        {
            OnStoppedLeading?.Invoke();
        }
    }

    private async Task<bool> RenewUntilDoneAsync(CancellationToken cancellationToken)
    {
        // The real elector starts this with Task.Run; Task.Yield keeps it on the simulation's context.
        await Task.Yield();
        try
        {
            while (!await TryAcquireOrRenewAsync(cancellationToken))
            {
                await Task.Delay(_retryPeriod, _time, cancellationToken);
            }
        }
#pragma warning disable CA1031 // As the real one: any exception ends the renewal, reported through OnError.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        return true;
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

        var old = await _lock.GetAsync(cancellationToken);
        if (old?.AcquireTime == null || old.RenewTime == null || old.HolderIdentity == null)
        {
            if (await _lock.CreateAsync(record, cancellationToken))
            {
                _observedRecord = record;
                _observedTime = _time.GetUtcNow();
                return true;
            }

            return false;
        }

        if (!Equals(_observedRecord, old))
        {
            _observedRecord = old;
            _observedTime = _time.GetUtcNow();
        }

        if (!string.IsNullOrEmpty(old.HolderIdentity) && _observedTime + TimeSpan.FromSeconds(old.LeaseDurationSeconds) > _time.GetUtcNow() && !IsLeader())
        {
            return false;
        }

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
            var attempt = TryAcquireOrRenewAsync(cancellationToken);
            var timeout = TimeSpan.FromTicks((long)(delay.Ticks * JitterFactor * (Jitter.NextDouble() + 1)));
            if (await Task.WhenAny(attempt, Task.Delay(timeout, _time, cancellationToken)) == attempt)
            {
                if (await attempt)
                {
                    return;
                }

                await Task.Delay(delay, _time, cancellationToken);
            }
            else
            {
                _ = attempt.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
