namespace MultiClusterLease.Sharding.Fencing;

/// <summary>The outcome of <see cref="IShardFence.RenewAsync"/>.</summary>
public enum FenceRenewal
{
    /// <summary>The fence was renewed: still ours.</summary>
    Renewed,

    /// <summary>Someone else holds the fence, or it is gone: stop at once.</summary>
    Lost,

    /// <summary>The request failed (timeout, server error): unknown; the owner keeps the shard until its renew deadline.</summary>
    Failed,
}
