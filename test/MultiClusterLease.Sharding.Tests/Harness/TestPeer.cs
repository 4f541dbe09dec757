using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;

namespace MultiClusterLease.Sharding.Tests.Harness;

/// <summary>One in-process peer on the sandbox, with short timings; it can stop gracefully or be cut off.</summary>
internal sealed class TestPeer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SandboxCluster _cluster;
    private FaultRule? _partition;

    private TestPeer(SandboxCluster cluster, ShardCoordinator coordinator)
    {
        _cluster = cluster;
        Coordinator = coordinator;
        Run = coordinator.RunAsync(_stop.Token);
    }

    public ShardCoordinator Coordinator { get; }

    public Task Run { get; }

    public string Id => Coordinator.PeerId;

    public static ShardedOwnershipOptions Timings(string peer) => new()
    {
        PeerId = peer,
        LeaseDuration = TimeSpan.FromSeconds(4),
        RenewInterval = TimeSpan.FromSeconds(1),
        RenewDeadline = TimeSpan.FromSeconds(2),
        ProbeInterval = TimeSpan.FromMilliseconds(250),
        FenceThrottle = TimeSpan.FromMilliseconds(200),
    };

    public static TestPeer Start(SandboxCluster cluster, OwnershipLedger ledger, string peer, IEnumerable<string> shards, Action<ShardedOwnershipOptions>? configure = null)
    {
        var options = Timings(peer);
        configure?.Invoke(options);
        var coordinator = new ShardCoordinator(cluster.Client(peer), options, new FixedShardSource(shards), ledger.WorkerFor(peer), TimeProvider.System, NullLoggerFactory.Instance);
        return new TestPeer(cluster, coordinator);
    }

    /// <summary>Stops gracefully: work cancelled and awaited, fences released, peer Lease deleted.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run;
    }

    /// <summary>Cuts the peer off from the API server: its requests hang, as for a crashed or partitioned process.</summary>
    public void Partition() => _partition = _cluster.Server.Faults.Add(new FaultRule { Caller = $"sharding-test/{Id}", Action = FaultAction.Partition });

    public void Heal()
    {
        if (_partition is { } rule)
        {
            _cluster.Server.Faults.Remove(rule);
            _partition = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
