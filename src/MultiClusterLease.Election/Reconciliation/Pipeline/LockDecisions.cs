using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>
/// Turns what a pass knows (the CR, the local candidates' signals, the lock as the <see cref="LockSession"/> last saw
/// it, what status last reported) into the protocol's <see cref="ElectionInput"/>, and answers the pass's questions
/// about the local holder (DESIGN §3.4, §5).
/// </summary>
internal sealed class LockDecisions
{
    private readonly CandidateTracker _candidates;
    private readonly LockSession _session;
    private readonly LeaseStatusWriter _status;
    private readonly ElectionOptions _options;
    private readonly MonotonicClock _clock;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="candidates">The local candidates' signals.</param>
    /// <param name="session">The lock as last seen.</param>
    /// <param name="status">What status last reported (the answered generation).</param>
    /// <param name="options">The controller options.</param>
    /// <param name="clock">This process's monotonic clock.</param>
    public LockDecisions(CandidateTracker candidates, LockSession session, LeaseStatusWriter status, ElectionOptions options, MonotonicClock clock)
    {
        _candidates = candidates;
        _session = session;
        _status = status;
        _options = options;
        _clock = clock;
    }

    /// <summary>Decides on <paramref name="lease"/> and the lock as last seen.</summary>
    /// <param name="lease">The CR.</param>
    /// <param name="timing">The spec's timing.</param>
    /// <param name="deleting">Whether the CR is being deleted (or gone).</param>
    /// <returns>The decision.</returns>
    public ElectionDecision Decide(Lease lease, LeaseTiming timing, bool deleting)
    {
        var now = _clock.Now;
        var specHolder = lease.Spec?.HolderIdentity ?? "";
        var snapshot = _session.Lock.Snapshot ?? LockSnapshot.Absent;
        var lockHolder = snapshot.Record?.HolderIdentity ?? "";
        return ElectionDecider.Decide(new ElectionInput
        {
            SpecHolder = specHolder,
            SpecHolderLive = _candidates.IsLive(specHolder, timing.LeaseDuration, now),
            SpecHolderAwaitingAnswer = (lease.Metadata.Generation ?? 0) > Math.Max(_status.ReportedObservedGeneration, lease.Status?.ObservedGeneration ?? 0),
            Lock = snapshot,
            LockExpired = _options.BrokenTakeOverAfterRenewDeadline ? _session.Lock.IsExpiredAfter(now, timing.RenewDeadline) : _session.Lock.IsExpired(now),
            LockHolderIsLocal = _candidates.IsLocal(lockHolder),
            LockHolderLive = _candidates.IsLive(lockHolder, timing.LeaseDuration, now),
            LockHolderReleased = specHolder.Length == 0 && lockHolder.Length > 0 && _candidates.ReleasedBy == lockHolder,
            LockHolderSignalledSinceLastWrite = _candidates.LastSignalGeneration(lockHolder) > _session.AnsweredSpecGeneration,
            Deleting = deleting,
            LeaseDurationSeconds = timing.LeaseDurationSeconds,
            WallNow = _clock.WallNow,
            Nonce = Guid.NewGuid().ToString("N"),
        });
    }

    /// <summary>
    /// Whether the lock, as this controller last wrote it, is held by a live local candidate: then nobody else may
    /// write it before it expires, and a timer-driven read would learn nothing.
    /// </summary>
    /// <param name="timing">The spec's timing.</param>
    /// <returns>Whether it is.</returns>
    public bool HeldForLiveLocalCandidate(LeaseTiming timing)
    {
        var holder = _session.Holder;
        return _session.Lock.SnapshotIsOwnWrite && _candidates.IsLocal(holder) && _candidates.IsLive(holder, timing.LeaseDuration, _clock.Now);
    }

    /// <summary>
    /// Whether the lock is held by a local candidate whose latest observed signal no write has answered yet. Only
    /// while the CR is being deleted does such a signal stay unanswered (otherwise it is renewed); then no read may
    /// report it as answered.
    /// </summary>
    /// <returns>Whether one is outstanding.</returns>
    public bool HolderSignalOutstanding()
    {
        var holder = _session.Holder;
        return _candidates.IsLocal(holder) && _candidates.LastSignalGeneration(holder) > _session.AnsweredSpecGeneration;
    }

    /// <summary>The monotonic time by which a local holder's lock may be released: when it goes stale or the lock expires.</summary>
    /// <param name="holder">The local holder.</param>
    /// <param name="timing">The spec's timing.</param>
    /// <returns>The deadline, or <see langword="null"/> when neither is known.</returns>
    public TimeSpan? ReleaseDeadline(string holder, LeaseTiming timing)
    {
        var staleAt = _candidates.LiveUntil(holder, timing.LeaseDuration);
        var expiresAt = _session.Lock.ExpiresAt();
        return (staleAt, expiresAt) switch
        {
            ({ } s, { } e) => s < e ? s : e,
            ({ } s, null) => s,
            (null, { } e) => e,
            _ => null,
        };
    }

    /// <summary>
    /// How long to sleep after a pass: the retry period with jitter, but no later than (10 ms after) the local holder's
    /// release deadline, so that a stale holder's or a deleted CR's lock is released on time.
    /// </summary>
    /// <param name="timing">The spec's timing.</param>
    /// <param name="jittered">The retry period with jitter.</param>
    /// <returns>The delay.</returns>
    public TimeSpan NextDelay(LeaseTiming timing, TimeSpan jittered)
    {
        var now = _clock.Now;
        var holder = _session.Holder;
        if (_candidates.IsLocal(holder) && ReleaseDeadline(holder, timing) is { } releaseAt && releaseAt > now)
        {
            // Release as soon as the holding candidate goes stale, or (CR being deleted) its lock expires.
            return TimeSpan.FromTicks(Math.Min(jittered.Ticks, (releaseAt - now).Ticks + TimeSpan.FromMilliseconds(10).Ticks));
        }

        return jittered;
    }
}
