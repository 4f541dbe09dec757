using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;

namespace MultiClusterLease.Sharding.Hosting;

/// <summary>
/// Runs this process as one peer of sharded ownership: it joins on start, runs the <see cref="IShardWorker"/> for every
/// shard it owns, and on stop cancels that work, waits for it, releases its fences and deletes its peer Lease, so that
/// the other peers take over at once. Registered by
/// <see cref="ShardingServiceCollectionExtensions.AddShardedOwnership{TWorker}"/>.
/// </summary>
public sealed class ShardedOwnershipService : BackgroundService
{
    private readonly ShardCoordinator _coordinator;

    /// <summary>Initializes a new instance of the <see cref="ShardedOwnershipService"/> class.</summary>
    /// <param name="client">The client of the coordination cluster.</param>
    /// <param name="options">The settings.</param>
    /// <param name="source">Where the shards come from.</param>
    /// <param name="worker">The work per owned shard.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">The loggers.</param>
    public ShardedOwnershipService(
        IKubernetes client, IOptions<ShardedOwnershipOptions> options, IShardSource source, IShardWorker worker, TimeProvider timeProvider, ILoggerFactory loggerFactory)
        : this(client, null, options, source, worker, timeProvider, loggerFactory)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ShardedOwnershipService"/> class with a separate coordination cluster.</summary>
    /// <param name="client">The peer's own cluster (where fence MultiClusterLeases live, and the namespaces of the label source).</param>
    /// <param name="coordinationClient">The cluster of the peer Leases and fence Leases, shared by peers in different
    /// clusters so that they split the shards; <see langword="null"/> = <paramref name="client"/>.</param>
    /// <param name="options">The settings.</param>
    /// <param name="source">Where the shards come from.</param>
    /// <param name="worker">The work per owned shard.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">The loggers.</param>
    public ShardedOwnershipService(
        IKubernetes client, IKubernetes? coordinationClient, IOptions<ShardedOwnershipOptions> options, IShardSource source, IShardWorker worker, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _coordinator = new ShardCoordinator(client, options.Value, source, worker, timeProvider, loggerFactory, coordinationClient);
    }

    /// <summary>Gets the shards this peer owns now, with their fencing tokens.</summary>
    public IReadOnlyDictionary<string, long> Owned => _coordinator.Owned;

    /// <summary>Gets the live peers as this peer last saw them (identities, sorted).</summary>
    public IReadOnlyList<string> Peers => [.. _coordinator.Peers.Select(p => p.Id)];

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _coordinator.RunAsync(stoppingToken);
}
