using System.Runtime.CompilerServices;

namespace MultiClusterLease.Sharding.Sources;

/// <summary>A fixed list of shards.</summary>
/// <param name="shards">The shards.</param>
public sealed class FixedShardSource(IEnumerable<string> shards) : IShardSource
{
    private readonly IReadOnlySet<string> _shards = shards.ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc/>
    public async IAsyncEnumerable<IReadOnlySet<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return _shards;
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }
}
