using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Client.LeaderElection;

/// <summary>Arguments of <see cref="MultiClusterLeaderElector.StartedLeading"/> and <see cref="MultiClusterLeaderElector.StoppedLeading"/>.</summary>
/// <param name="Identity">This candidate's identity.</param>
/// <param name="FencingToken">The fencing token of this term of leadership (the global lock's epoch).</param>
/// <param name="LeadershipToken">Cancelled the moment this candidate stops leading: pass it to leader-only work.</param>
public sealed record LeadershipEventArgs(string Identity, long FencingToken, CancellationToken LeadershipToken);

/// <summary>
/// A leader elector for a <see cref="MultiClusterLeaseCandidate"/>: it follows until the global lock looks free or
/// expired, acquires it, renews it every retry period (sooner when an answer came late), stops leading when renewals
/// fail for the renew deadline (counted from the signal of the last confirmed renewal, so never later than the safety
/// inequality allows), contends again after losing, and releases the lease when cancelled so another cluster takes
/// over at once.
/// </summary>
public sealed partial class MultiClusterLeaderElector
{
    private readonly MultiClusterLeaseCandidate _candidate;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly MultiClusterLeaseCandidateOptions _options;
    private string? _reportedLeader;
    private long _fencingToken;
    private volatile bool _isLeader;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="candidate">The candidate.</param>
    /// <param name="timeProvider">The time provider, or <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger.</param>
    public MultiClusterLeaderElector(MultiClusterLeaseCandidate candidate, TimeProvider? timeProvider = null, ILogger<MultiClusterLeaderElector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        _candidate = candidate;
        _options = candidate.Options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised when this candidate starts leading. Handlers must not block; start work with the leadership token.</summary>
    public event EventHandler<LeadershipEventArgs>? StartedLeading;

    /// <summary>Raised when this candidate stops leading (renewals failed, another holder was confirmed, or shutdown).</summary>
    public event EventHandler<LeadershipEventArgs>? StoppedLeading;

    /// <summary>Raised when the observed global leader changes; the argument is the new holder ("" when released).</summary>
    public event EventHandler<string>? NewLeader;

    /// <summary>Gets or sets whether cancelling <see cref="RunAsync"/> releases the lease for a fast handover (default <see langword="true"/>).</summary>
    public bool ReleaseOnCancel { get; set; } = true;

    /// <summary>Gets whether this candidate currently leads.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Gets the fencing token of the current or last term of leadership, or 0.</summary>
    public long FencingToken => Interlocked.Read(ref _fencingToken);

    /// <summary>Gets the last observed global leader, or <see langword="null"/>.</summary>
    public string? CurrentLeader => _reportedLeader;

    /// <summary>Contends, leads, and contends again after losing, until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the elector; when leading, leadership ends and (by default) the lease is released.</param>
    /// <returns>A task that completes after the elector stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            LeaseAttempt acquired;
            try
            {
                acquired = await AcquireAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await LeadAsync(acquired, cancellationToken);
        }
    }

    private async Task<LeaseAttempt> AcquireAsync(CancellationToken cancellationToken)
    {
        (string? Holder, DateTimeOffset? RenewTime)? observed = null;
        var observedAt = _timeProvider.GetTimestamp();
        long? lastAttemptAt = null;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var view = _candidate.Latest;
            if (view is null)
            {
                try
                {
                    view = await _candidate.GetAsync(cancellationToken);
                }
                catch (Exception ex) when (MultiClusterLeaseCandidate.IsApiFailure(ex))
                {
                    Log.ReadFailed(_logger, _candidate.Describe(), ex);
                }
            }

            var key = (view?.HolderIdentity, view?.RenewTime);
            if (observed != key)
            {
                observed = key;
                observedAt = _timeProvider.GetTimestamp();
                ReportLeader(view?.HolderIdentity);
            }

            var holder = view?.HolderIdentity;
            var free = holder is null or "" || holder == _options.Identity;
            var expired = _timeProvider.GetElapsedTime(observedAt) >= _options.LeaseDuration;
            var spaced = lastAttemptAt is null || _timeProvider.GetElapsedTime(lastAttemptAt.Value) >= _options.RetryPeriod || holder == "";
            if ((free || expired) && spaced)
            {
                lastAttemptAt = _timeProvider.GetTimestamp();
                var attempt = await _candidate.TryAcquireOrRenewAsync(cancellationToken);
                if (attempt.Acquired)
                {
                    return attempt;
                }
            }

            // Wake on the next change of the CR (e.g. a release) or after a retry period, whichever comes first.
            await TimerOrSignal.WaitAsync(Jitter.Add(_options.RetryPeriod, 0.2), _candidate.NextChange, _timeProvider, cancellationToken);
        }
    }

    private async Task LeadAsync(LeaseAttempt acquired, CancellationToken cancellationToken)
    {
        var token = acquired.View?.FencingToken ?? 0;
        Interlocked.Exchange(ref _fencingToken, token);
        ReportLeader(_options.Identity);

        // Leadership ends at the latest RenewDeadline after the signal of the last confirmed renewal.
        var signalledAt = acquired.SignalledAt;
        using var leadership = new CancellationTokenSource(Remaining(signalledAt), _timeProvider);
        var args = new LeadershipEventArgs(_options.Identity, token, leadership.Token);
        _isLeader = true;
        Log.StartedLeading(_logger, _candidate.Describe(), _options.Identity, token);
        StartedLeading?.Invoke(this, args);
        try
        {
            while (!leadership.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leadership.Token);
                try
                {
                    await Task.Delay(NextRenewalDelay(signalledAt), _timeProvider, linked.Token);
                    var renewed = await RenewAsync(linked.Token);
                    if (renewed is null)
                    {
                        break;
                    }

                    signalledAt = renewed.SignalledAt;
                    leadership.CancelAfter(Remaining(signalledAt));
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            _isLeader = false;
            leadership.Cancel();
            Log.StoppedLeading(_logger, _candidate.Describe(), _options.Identity, token);
            StoppedLeading?.Invoke(this, args);
            if (cancellationToken.IsCancellationRequested && ReleaseOnCancel)
            {
                using var releaseTimeout = new CancellationTokenSource(_options.RetryPeriod, _timeProvider);
                try
                {
                    await _candidate.ReleaseAsync(releaseTimeout.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    private async Task<LeaseAttempt?> RenewAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var attempt = await _candidate.TryAcquireOrRenewAsync(cancellationToken);
            if (attempt.Acquired)
            {
                return attempt;
            }

            if (attempt.View?.HolderIdentity is { Length: > 0 } other && other != _options.Identity)
            {
                // The controller confirmed someone else: stop at once.
                ReportLeader(other);
                return null;
            }

            await Task.Delay(_options.RetryPeriod / 4, _timeProvider, cancellationToken);
        }
    }

    /// <summary>
    /// Every retry period, or sooner when the answer that started this term (or the last renewal) came late: the next
    /// renewal starts at the latest one confirmation timeout before leadership would end, so that a slow answer (GCS's
    /// one write per second, a cold start) does not end leadership before the renewal had a chance.
    /// </summary>
    private TimeSpan NextRenewalDelay(long signalledAt)
    {
        var latest = Remaining(signalledAt) - _options.EffectiveConfirmationTimeout;
        return latest >= _options.RetryPeriod ? _options.RetryPeriod : latest > TimeSpan.Zero ? latest : TimeSpan.Zero;
    }

    private TimeSpan Remaining(long signalledAt)
    {
        var left = _options.RenewDeadline - _timeProvider.GetElapsedTime(signalledAt);
        return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    private void ReportLeader(string? holder)
    {
        if (holder is null || holder == _reportedLeader)
        {
            return;
        }

        _reportedLeader = holder;
        Log.NewLeader(_logger, _candidate.Describe(), holder);
        NewLeader?.Invoke(this, holder);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Lock}: {Identity} started leading (fencing token {FencingToken})")]
        public static partial void StartedLeading(ILogger logger, string @lock, string identity, long fencingToken);

        [LoggerMessage(2, LogLevel.Information, "{Lock}: {Identity} stopped leading (fencing token {FencingToken})")]
        public static partial void StoppedLeading(ILogger logger, string @lock, string identity, long fencingToken);

        [LoggerMessage(3, LogLevel.Information, "{Lock}: new leader '{Holder}'")]
        public static partial void NewLeader(ILogger logger, string @lock, string holder);

        [LoggerMessage(4, LogLevel.Warning, "{Lock}: read failed")]
        public static partial void ReadFailed(ILogger logger, string @lock, Exception exception);
    }
}
