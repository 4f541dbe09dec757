namespace MultiClusterLease.Sharding.Sources;

/// <summary>Where the shards come from: a stream of complete snapshots of the shard set.</summary>
public interface IShardSource
{
    /// <summary>Streams the shard set: the first element is the current set, each later one replaces it.</summary>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The snapshots.</returns>
    IAsyncEnumerable<IReadOnlySet<string>> WatchAsync(CancellationToken cancellationToken);
}
