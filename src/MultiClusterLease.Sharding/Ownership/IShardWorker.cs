namespace MultiClusterLease.Sharding.Ownership;

/// <summary>The application's work on one shard, run while this peer owns it.</summary>
public interface IShardWorker
{
    /// <summary>Works on a shard until <paramref name="cancellationToken"/> is cancelled, which happens when ownership
    /// ends: the shard moved to another peer, the fence could not be renewed before the renew deadline, or the host is
    /// stopping. The fence is released only after the returned task completes, so stop promptly: the work must have
    /// stopped within <c>LeaseDuration − RenewDeadline</c> of the cancellation for the one-owner guarantee to hold. Returning
    /// (or throwing) early ends this tenure; the shard is then acquired again, with a new token.</summary>
    /// <param name="assignment">The shard and its fencing token.</param>
    /// <param name="cancellationToken">Cancelled when ownership ends.</param>
    /// <returns>A task that completes when the work has stopped.</returns>
    Task RunAsync(ShardAssignment assignment, CancellationToken cancellationToken);
}
