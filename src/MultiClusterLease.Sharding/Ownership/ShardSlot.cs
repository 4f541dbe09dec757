namespace MultiClusterLease.Sharding.Ownership;

/// <summary>What a peer is doing about one shard.</summary>
internal enum ShardState
{
    /// <summary>Not owned; may be acquired from <see cref="ShardSlot.NextTryAt"/> on.</summary>
    Idle,

    /// <summary>The fence is held and the work runs.</summary>
    Owned,

    /// <summary>The work was cancelled; once it has stopped, the fence is released and the slot becomes idle.</summary>
    Stopping,
}

/// <summary>One shard's state in a <see cref="ShardCoordinator"/>. Only the decision pass moves it out of
/// <see cref="ShardState.Idle"/> and <see cref="ShardState.Owned"/>; the stop task moves it from Stopping to Idle.</summary>
/// <param name="shard">The shard.</param>
internal sealed class ShardSlot(string shard)
{
    private volatile ShardState _state;

    public string Shard { get; } = shard;

    public ShardState State { get => _state; set => _state = value; }

    /// <summary>Gets or sets the monotonic timestamp before which no acquisition is tried.</summary>
    public long NextTryAt { get; set; }

    public long Token { get; set; }

    /// <summary>Gets or sets the monotonic timestamp at which the last successful renewal (or the acquisition) started.</summary>
    public long RenewedFrom { get; set; }

    public CancellationTokenSource? Work { get; set; }

    public Task? WorkTask { get; set; }

    /// <summary>Gets or sets the timer that cancels <see cref="Work"/> at the renew deadline.</summary>
    public ITimer? Deadline { get; set; }

    public Task? StopTask { get; set; }
}
