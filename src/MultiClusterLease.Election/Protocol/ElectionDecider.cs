using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Election.Protocol;

/// <summary>What the controller does to the global lock in one reconcile.</summary>
public enum ElectionAction
{
    /// <summary>Nothing to write: another holder's unexpired lock, nobody asking, or a corrupt object.</summary>
    Follow,

    /// <summary>Create the absent lock object for our live candidate (epoch 1).</summary>
    Create,

    /// <summary>Rewrite the lock for our live candidate, who holds it (same epoch).</summary>
    Renew,

    /// <summary>Take an expired or released lock for our live candidate (epoch + 1, transitions + 1).</summary>
    TakeOver,

    /// <summary>
    /// Write holder "" with the same epoch: our holding candidate released it or went stale, or its CR is being deleted
    /// and the lock went unrenewed for its lease duration.
    /// </summary>
    Release,
}

/// <summary>The inputs of one decision, all observed by this controller.</summary>
public sealed record ElectionInput
{
    /// <summary>Gets the spec's <c>holderIdentity</c> ("" = release).</summary>
    public required string SpecHolder { get; init; }

    /// <summary>Gets whether the spec's holder signalled within its lease duration.</summary>
    public required bool SpecHolderLive { get; init; }

    /// <summary>
    /// Gets whether the spec's latest signal is still waiting for its answer: no status written or seen by this
    /// controller reports an <c>observedGeneration</c> at or past the spec's generation. A candidate stops waiting once
    /// answered, so the lock is granted (created or taken over) only for a signal that is still outstanding; an
    /// answered candidate that still wants the lock signals again when status shows it free.
    /// </summary>
    public required bool SpecHolderAwaitingAnswer { get; init; }

    /// <summary>Gets the lock object as last read or written.</summary>
    public required LockSnapshot Lock { get; init; }

    /// <summary>Gets whether the lock is expired by this controller's observation (see <see cref="LockObserver.IsExpired"/>).</summary>
    public required bool LockExpired { get; init; }

    /// <summary>Gets whether the lock's holder is a candidate of this cluster's CR (seen in its spec).</summary>
    public required bool LockHolderIsLocal { get; init; }

    /// <summary>Gets whether the lock's holder, if local, signalled within its lease duration.</summary>
    public required bool LockHolderLive { get; init; }

    /// <summary>
    /// Gets whether the lock's holder, if local, released it itself: the spec's <c>holderIdentity</c> is <c>""</c> and
    /// the spec version right before named the holder (see <see cref="CandidateTracker.ReleasedBy"/>). A <c>""</c> written
    /// by another local candidate, or by an unknown writer, is not the holder's release: the holder may still lead.
    /// </summary>
    public required bool LockHolderReleased { get; init; }

    /// <summary>
    /// Gets whether the lock's holder, if local, signalled (wrote the spec) since this controller last wrote the lock
    /// for it. Every renewal is a write made after the signal it confirms.
    /// </summary>
    public required bool LockHolderSignalledSinceLastWrite { get; init; }

    /// <summary>Gets whether the CR is being deleted (deletionTimestamp set).</summary>
    public required bool Deleting { get; init; }

    /// <summary>Gets the lease duration in seconds the spec asks for; written into the lock.</summary>
    public required int LeaseDurationSeconds { get; init; }

    /// <summary>Gets the wall-clock time, written as the informational <c>renewTime</c>.</summary>
    public required DateTimeOffset WallNow { get; init; }

    /// <summary>Gets the nonce for the write.</summary>
    public required string Nonce { get; init; }
}

/// <summary>The decision: an action and, unless following, the body to write.</summary>
/// <param name="Action">The action.</param>
/// <param name="Record">The new lock body, or <see langword="null"/> for <see cref="ElectionAction.Follow"/>.</param>
/// <param name="Reason">Why, in a few words, for logs and conditions.</param>
public sealed record ElectionDecision(ElectionAction Action, LockRecord? Record, string Reason);

/// <summary>
/// The per-lock decision of DESIGN §3, as a pure function. Absent → create; held by our live candidate → renew; expired or
/// released and our live candidate waiting for an answer → take over; our holder released or stale → release; CR being
/// deleted → never renew, and release once the holder released, went stale, or its lock expired; otherwise follow.
/// A corrupt lock object is never overwritten.
/// </summary>
/// <remarks>
/// Every release leaves the lock free for any cluster at once, so it is written only when no local candidate can still
/// be leading (DESIGN §5): a holder leads at most until <c>leaseDuration</c> after the controller observed the signal of
/// its last confirmed renewal, and after the write that confirmed it. Hence: the holder's own release (it writes
/// <c>""</c> only after it stopped leading); staleness (no signal observed for <c>leaseDuration</c>); and, on deletion,
/// the lock unrenewed for <c>leaseDuration</c> since this controller's last write for the holder. Deleting a CR does not
/// stop its candidate, so deletion alone never releases.
/// </remarks>
public static class ElectionDecider
{
    /// <summary>Decides what to write.</summary>
    /// <param name="input">What this controller observed.</param>
    /// <returns>The decision.</returns>
    public static ElectionDecision Decide(ElectionInput input)
    {
        var snapshot = input.Lock;
        if (snapshot.IsCorrupt)
        {
            return new(ElectionAction.Follow, null, "the lock object is corrupt; it is reported and never overwritten");
        }

        if (!snapshot.Exists || snapshot.Record is null)
        {
            return !input.Deleting && input.SpecHolder.Length > 0 && input.SpecHolderLive && input.SpecHolderAwaitingAnswer
                ? new(ElectionAction.Create, Create(input), "no lock object yet")
                : new(ElectionAction.Follow, null, "no lock object and no candidate waiting for it");
        }

        var current = snapshot.Record;
        var holder = current.HolderIdentity;

        if (holder.Length > 0 && input.LockHolderIsLocal)
        {
            if (input.LockHolderReleased)
            {
                return new(ElectionAction.Release, Release(current, input), "the candidate released the lease");
            }

            if (!input.LockHolderLive)
            {
                return new(ElectionAction.Release, Release(current, input), "the holding candidate stopped renewing");
            }

            if (input.Deleting)
            {
                // Deletion stops renewals; the holder may still lead until its lock runs out.
                return input.LockExpired
                    ? new(ElectionAction.Release, Release(current, input), $"the MultiClusterLease is being deleted and the lock of {holder} went unrenewed for its lease duration")
                    : new(ElectionAction.Follow, null, $"the MultiClusterLease is being deleted: waiting for the lease of {holder} to run out before releasing the lock");
            }

            // A "" spec that is not the holder's own release (another local candidate wrote it) changes nothing for the
            // holder: it may still be leading, renewing, or going stale.
            // Renew for the holder's own signal even when another local candidate wrote the spec since: the holder's
            // renewal is then confirmed by a write made after its signal, never by a read.
            return input.LockHolderSignalledSinceLastWrite
                ? new(ElectionAction.Renew, Renew(current, input), "renewing for the holding candidate")
                : new(ElectionAction.Follow, null, $"{holder} holds the lock; no new renewal from it");
        }

        if (input.Deleting || input.SpecHolder.Length == 0 || !input.SpecHolderLive)
        {
            return new(ElectionAction.Follow, null, "no live candidate in this cluster");
        }

        if (holder.Length == 0 || input.LockExpired)
        {
            // Granting the lock for a signal already answered would reach a candidate that is no longer waiting: it
            // signals again once status shows the lock free, and that new signal is answered by a single write.
            return input.SpecHolderAwaitingAnswer
                ? new(ElectionAction.TakeOver, TakeOver(current, input), holder.Length == 0 ? "the lock was released" : $"the lock of {holder} expired")
                : new(ElectionAction.Follow, null, $"the lock is free; {input.SpecHolder} was answered and has not asked again");
        }

        return new(ElectionAction.Follow, null, $"{holder} holds the lock");
    }

    private static LockRecord Create(ElectionInput input) => new()
    {
        HolderIdentity = input.SpecHolder,
        RenewTime = input.WallNow,
        AcquireTime = input.WallNow,
        LeaseDurationSeconds = input.LeaseDurationSeconds,
        LeaseTransitions = 0,
        Epoch = 1,
        Nonce = input.Nonce,
    };

    private static LockRecord Renew(LockRecord current, ElectionInput input) => current with
    {
        RenewTime = input.WallNow,
        LeaseDurationSeconds = input.LeaseDurationSeconds,
        AcquireTime = current.AcquireTime ?? input.WallNow,
        Epoch = Math.Max(current.Epoch, 1),
        Nonce = input.Nonce,
    };

    private static LockRecord TakeOver(LockRecord current, ElectionInput input) => new()
    {
        HolderIdentity = input.SpecHolder,
        RenewTime = input.WallNow,
        AcquireTime = input.WallNow,
        LeaseDurationSeconds = input.LeaseDurationSeconds,
        LeaseTransitions = current.LeaseTransitions + 1,

        // Objects last written by the Go implementation carry no epoch: continue from leaseTransitions so the fencing
        // token still grows.
        Epoch = Math.Max(current.Epoch, current.LeaseTransitions) + 1,
        Nonce = input.Nonce,
    };

    private static LockRecord Release(LockRecord current, ElectionInput input) => current with
    {
        HolderIdentity = "",
        RenewTime = input.WallNow,
        AcquireTime = null,
        Nonce = input.Nonce,
    };
}
