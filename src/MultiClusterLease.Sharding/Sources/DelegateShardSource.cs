namespace MultiClusterLease.Sharding.Sources;

/// <summary>Shards from a stream the application provides.</summary>
/// <param name="stream">Produces the snapshots: the first is the current set, each later one replaces it.</param>
public sealed class DelegateShardSource(Func<CancellationToken, IAsyncEnumerable<IReadOnlySet<string>>> stream) : IShardSource
{
    /// <inheritdoc/>
    public IAsyncEnumerable<IReadOnlySet<string>> WatchAsync(CancellationToken cancellationToken) => stream(cancellationToken);
}
