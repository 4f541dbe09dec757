namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>How a <see cref="LockSession.WriteAsync"/> ended.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="RetryAfter">When <see cref="LockWriteOutcomeKind.Spaced"/>: how long until the write spacing allows the write.</param>
internal sealed record LockWriteOutcome(LockWriteOutcomeKind Kind, TimeSpan RetryAfter = default)
{
    /// <summary>Gets the outcome of a committed write.</summary>
    public static LockWriteOutcome Committed { get; } = new(LockWriteOutcomeKind.Committed);

    /// <summary>Gets the outcome of a write another writer beat (re-read at once).</summary>
    public static LockWriteOutcome PreconditionFailed { get; } = new(LockWriteOutcomeKind.PreconditionFailed);

    /// <summary>Gets the outcome of a write the backend failed.</summary>
    public static LockWriteOutcome BackendFailed { get; } = new(LockWriteOutcomeKind.BackendFailed);
}

/// <summary>What happened to a lock write.</summary>
internal enum LockWriteOutcomeKind
{
    /// <summary>The write committed; the session holds it as its snapshot.</summary>
    Committed,

    /// <summary>Not sent: the previous write was less than the minimum write interval ago.</summary>
    Spaced,

    /// <summary>The generation precondition failed: another writer changed the lock; the snapshot is invalidated.</summary>
    PreconditionFailed,

    /// <summary>The backend failed; the snapshot is invalidated and the error recorded.</summary>
    BackendFailed,
}
