using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Election.Protocol;

/// <summary>
/// Tracks one lock object as this controller observes it. The lock is expired when its (generation, holder,
/// renewTime) has not changed, as observed here, for the object's own <c>leaseDurationSeconds</c>, or when its holder is
/// empty. The first read after start counts as a change, so a restarted controller waits a full lease duration before
/// it takes over. Writes made by this controller count as changes too.
/// </summary>
public sealed class LockObserver
{
    private (long Generation, string Holder, DateTimeOffset RenewTime)? _last;

    /// <summary>Gets the last snapshot read or written; <see langword="null"/> before the first read.</summary>
    public LockSnapshot? Snapshot { get; private set; }

    /// <summary>Gets the monotonic time at which the object was last seen to change.</summary>
    public TimeSpan LastChangeAt { get; private set; }

    /// <summary>Gets the wall-clock time at which the object was last seen to change (for <c>globalRenewTime</c>).</summary>
    public DateTimeOffset LastChangeWallTime { get; private set; }

    /// <summary>Gets the generation written by this controller's last successful write, or 0.</summary>
    public long OwnWriteGeneration { get; private set; }

    /// <summary>Gets the monotonic time of this controller's last write attempt (for the one-write-per-second limit).</summary>
    public TimeSpan? LastWriteAttemptAt { get; private set; }

    /// <summary>Gets whether the current snapshot is the object as this controller last wrote it.</summary>
    public bool SnapshotIsOwnWrite => Snapshot is { Exists: true } s && s.Generation == OwnWriteGeneration;

    /// <summary>Records a read.</summary>
    /// <param name="snapshot">What the read found.</param>
    /// <param name="now">The monotonic time of the read.</param>
    /// <param name="wallNow">The wall-clock time of the read.</param>
    /// <returns><see langword="true"/> when the object changed since the last observation.</returns>
    public bool ObserveRead(LockSnapshot snapshot, TimeSpan now, DateTimeOffset wallNow)
    {
        Snapshot = snapshot;
        var key = (snapshot.Generation, snapshot.Record?.HolderIdentity ?? "", snapshot.Record?.RenewTime ?? default);
        if (_last == key)
        {
            return false;
        }

        _last = key;
        LastChangeAt = now;
        LastChangeWallTime = wallNow;
        return true;
    }

    /// <summary>Records that a write is about to be sent.</summary>
    /// <param name="now">The monotonic time.</param>
    public void ObserveWriteAttempt(TimeSpan now) => LastWriteAttemptAt = now;

    /// <summary>Records a committed write.</summary>
    /// <param name="record">The body written.</param>
    /// <param name="generation">The new generation.</param>
    /// <param name="now">The monotonic time of the answer.</param>
    /// <param name="wallNow">The wall-clock time of the answer.</param>
    public void ObserveOwnWrite(LockRecord record, long generation, TimeSpan now, DateTimeOffset wallNow)
    {
        OwnWriteGeneration = generation;
        ObserveRead(new LockSnapshot { Generation = generation, Record = record }, now, wallNow);
    }

    /// <summary>Forgets the snapshot so the next reconcile reads the object again (after a failed precondition).</summary>
    public void Invalidate() => OwnWriteGeneration = 0;

    /// <summary>Gets whether the lock is expired at <paramref name="now"/>.</summary>
    /// <param name="now">The monotonic time.</param>
    /// <returns>Whether another candidate may take the lock.</returns>
    public bool IsExpired(TimeSpan now)
    {
        if (Snapshot?.Record is not { } record)
        {
            return Snapshot is { Exists: false };
        }

        return record.HolderIdentity.Length == 0 || now - LastChangeAt >= TimeSpan.FromSeconds(Math.Max(record.LeaseDurationSeconds, 1));
    }

    /// <summary>Gets whether the lock is expired at <paramref name="now"/> after <paramref name="after"/> without a change (the simulation's broken-rule self-test only).</summary>
    internal bool IsExpiredAfter(TimeSpan now, TimeSpan after)
        => Snapshot?.Record is not { } record ? Snapshot is { Exists: false } : record.HolderIdentity.Length == 0 || now - LastChangeAt >= after;

    /// <summary>Gets when the lock expires unless it changes, or <see langword="null"/> when unknown or not held.</summary>
    /// <returns>The monotonic deadline.</returns>
    public TimeSpan? ExpiresAt()
        => Snapshot?.Record is { HolderIdentity.Length: > 0 } record
            ? LastChangeAt + TimeSpan.FromSeconds(Math.Max(record.LeaseDurationSeconds, 1))
            : null;
}
