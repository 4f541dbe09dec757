using System.Text.Json.Serialization;

namespace MultiClusterLease.Election.Backend;

/// <summary>
/// The body of a global lock object (JSON). <c>holderIdentity</c>, <c>renewTime</c>, <c>leaseDurationSeconds</c> and
/// <c>leaseTransitions</c> are the Go implementation's fields, so both can share a bucket; <c>acquireTime</c>,
/// <c>epoch</c> and <c>nonce</c> are ours and are ignored by the Go implementation.
/// </summary>
public sealed record LockRecord
{
    /// <summary>Gets the holder; empty when released.</summary>
    [JsonPropertyName("holderIdentity")] public string HolderIdentity { get; init; } = "";

    /// <summary>Gets the writer's wall-clock time of the write (RFC 3339). Informational only: expiry never compares it with a local clock.</summary>
    [JsonPropertyName("renewTime")] public DateTimeOffset RenewTime { get; init; }

    /// <summary>Gets the lease duration in seconds chosen by the holder: how long other controllers wait after they last saw the object change.</summary>
    [JsonPropertyName("leaseDurationSeconds")] public int LeaseDurationSeconds { get; init; }

    /// <summary>Gets how many times the holder changed.</summary>
    [JsonPropertyName("leaseTransitions")] public int LeaseTransitions { get; init; }

    /// <summary>Gets when the current holder acquired the lock.</summary>
    [JsonPropertyName("acquireTime")] public DateTimeOffset? AcquireTime { get; init; }

    /// <summary>
    /// Gets the fencing epoch: +1 on every change of holder, kept across releases. GCS generations are unique but
    /// not promised to increase, so the fencing token lives in the body.
    /// </summary>
    [JsonPropertyName("epoch")] public long Epoch { get; init; }

    /// <summary>Gets a random value unique to each write; settles writes whose answer was lost.</summary>
    [JsonPropertyName("nonce")] public string? Nonce { get; init; }
}

/// <summary>What a read of a lock object found.</summary>
public sealed record LockSnapshot
{
    /// <summary>Gets the object's generation (the GCS object generation); 0 when the object does not exist.</summary>
    public long Generation { get; init; }

    /// <summary>Gets the decoded body; <see langword="null"/> when absent or when the body is not a valid lock record.</summary>
    public LockRecord? Record { get; init; }

    /// <summary>Gets why the body could not be decoded; such an object is reported and never overwritten.</summary>
    public string? CorruptionError { get; init; }

    /// <summary>Gets whether the object exists.</summary>
    public bool Exists => Generation != 0;

    /// <summary>Gets whether the object exists but its body is not a valid lock record.</summary>
    public bool IsCorrupt => CorruptionError is not null;

    /// <summary>A snapshot of an absent object.</summary>
    public static LockSnapshot Absent { get; } = new();
}

/// <summary>The outcome of a conditional write.</summary>
public enum LockWriteStatus
{
    /// <summary>The write committed; <see cref="LockWriteResult.Generation"/> is the new generation.</summary>
    Committed,

    /// <summary>The generation precondition failed (412): another writer got there first. Nothing changed.</summary>
    PreconditionFailed,
}

/// <summary>The result of <see cref="ILockBackend.WriteAsync"/>.</summary>
/// <param name="Status">Committed or precondition failed.</param>
/// <param name="Generation">The new generation when committed; 0 otherwise.</param>
public sealed record LockWriteResult(LockWriteStatus Status, long Generation);
