namespace MultiClusterLease.Sharding.Fencing;

/// <summary>
/// Serializes the ownership of shards: a peer works on a shard only while it holds the shard's fence. One instance
/// serves every shard of one peer; calls for different shards may run concurrently, calls for one shard do not.
/// Implementations never throw for a lost race: they answer <see langword="null"/> or <see cref="FenceRenewal.Lost"/>.
/// </summary>
public interface IShardFence
{
    /// <summary>Tries to acquire a shard's fence for this peer.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The fencing token (increases with every new holder of the shard), or <see langword="null"/> when the
    /// fence is held by someone else or the attempt failed.</returns>
    ValueTask<long?> TryAcquireAsync(string shard, CancellationToken cancellationToken);

    /// <summary>Renews a held fence.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>Whether the fence is still held, lost, or unknown (the request failed).</returns>
    ValueTask<FenceRenewal> RenewAsync(string shard, CancellationToken cancellationToken);

    /// <summary>Releases a fence this peer holds, so that the next owner can acquire it at once; does nothing when the
    /// fence is no longer ours. Failures are logged, not thrown: the fence then expires.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when the release was written or given up.</returns>
    ValueTask ReleaseAsync(string shard, CancellationToken cancellationToken);
}
