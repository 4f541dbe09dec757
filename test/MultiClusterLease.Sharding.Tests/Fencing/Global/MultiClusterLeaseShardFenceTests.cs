using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Fencing.Global;

/// <summary>
/// <see cref="FenceKind.MultiClusterLease"/>: two clusters, an in-process election controller each, one fake bucket,
/// and a peer per cluster. The peers cannot see each other's membership (each lists its own cluster), so both want
/// every shard: the global fences alone must keep one owner per shard, with the global epoch as the token.
/// </summary>
public sealed class MultiClusterLeaseShardFenceTests : IAsyncLifetime
{
    private const string Namespace = "default";
    private static readonly string[] Shards = ["alpha", "beta", "gamma"];
    private readonly List<ServiceProvider> _controllers = [];
    private SandboxEnvironment _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Clusters = ["cluster-a", "cluster-b"], BookmarkInterval = TimeSpan.FromSeconds(1) });
        foreach (var cluster in _sandbox.ClusterNames)
        {
            var services = new ServiceCollection().AddLogging();
            services.AddKubernetesClient(o =>
            {
                o.KubeconfigPath = _sandbox.KubeconfigPath;
                o.Context = cluster;
                o.UserAgent = $"controller ({cluster})";
                o.RequestTimeout = TimeSpan.FromSeconds(5);
            });
            services.AddGcsLockBackend(o =>
            {
                o.Bucket = _sandbox.Bucket;
                o.Endpoint = _sandbox.Gcs.BaseAddress;
            });
            services.AddElectionController(o =>
            {
                o.Namespace = Namespace;
                o.ControllerIdentity = $"controller-{cluster}";
            });
            var provider = services.BuildServiceProvider();
            await provider.GetRequiredService<ElectionController>().StartAsync(CancellationToken.None);
            _controllers.Add(provider);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _controllers)
        {
            await provider.GetRequiredService<ElectionController>().StopAsync(CancellationToken.None);
            await provider.DisposeAsync();
        }

        await _sandbox.DisposeAsync();
    }

    private k8s.Kubernetes Client(string cluster) => new(new k8s.KubernetesClientConfiguration { Host = _sandbox.Cluster(cluster).BaseAddress.ToString() });

    private (ShardCoordinator Coordinator, Task Run, CancellationTokenSource Stop) StartPeer(string cluster, string peer, OwnershipLedger ledger, string? coordinationCluster = null)
    {
        var client = Client(cluster);
        var options = new ShardedOwnershipOptions
        {
            PeerId = peer,
            Namespace = Namespace,
            FenceKind = FenceKind.MultiClusterLease,
            LeaseDuration = TimeSpan.FromSeconds(8),
            RenewDeadline = TimeSpan.FromSeconds(3),
            GlobalRetryPeriod = TimeSpan.FromSeconds(2),
            RenewInterval = TimeSpan.FromSeconds(2),
            ProbeInterval = TimeSpan.FromSeconds(1),
            FenceThrottle = TimeSpan.FromMilliseconds(500),
        };
        var coordinator = new ShardCoordinator(
            client, options, new FixedShardSource(Shards), ledger.WorkerFor(peer), TimeProvider.System, NullLoggerFactory.Instance, coordinationCluster is null ? null : Client(coordinationCluster));
        var stop = new CancellationTokenSource();
        return (coordinator, coordinator.RunAsync(stop.Token), stop);
    }

    private (string Holder, long Token) Status(string cluster, string shard)
    {
        var status = _sandbox.Cluster(cluster).GetObject("multicluster.core.cnrm.cloud.google.com", "v1alpha1", "multiclusterleases", Namespace, $"mcr-shard-{shard}")?["status"] as JsonObject;
        return ((string?)status?["globalHolderIdentity"] ?? "", (long?)status?["fencingToken"] ?? 0);
    }

    [Fact]
    public async Task Peers_in_two_clusters_never_own_a_shard_together_and_the_token_is_the_global_epoch()
    {
        var ledger = new OwnershipLedger();
        var a = StartPeer("cluster-a", "peer-a", ledger);
        var b = StartPeer("cluster-b", "peer-b", ledger);
        try
        {
            await ledger.WaitForAsync(Shards, _ => true, TimeSpan.FromSeconds(60));
            Assert.Empty(ledger.Violations());
            foreach (var tenure in ledger.Tenures().Where(t => t.End is null))
            {
                var cluster = tenure.Peer == "peer-a" ? "cluster-a" : "cluster-b";
                Assert.Equal((tenure.Peer, tenure.Token), Status(cluster, tenure.Shard));
            }

            // The owner of "alpha" leaves gracefully: the other cluster's peer takes it, with a larger epoch.
            var owner = ledger.Owners()["alpha"];
            var leaving = owner == "peer-a" ? a : b;
            var before = ledger.Tenures().Single(t => t.Shard == "alpha" && t.End is null).Token;
            await leaving.Stop.CancelAsync();
            await leaving.Run;
            await ledger.WaitForAsync(Shards, owners => owners.Values.All(p => p != owner), TimeSpan.FromSeconds(60));
            var after = ledger.Tenures().Single(t => t.Shard == "alpha" && t.End is null);
            Assert.NotEqual(owner, after.Peer);
            Assert.True(after.Token > before, $"epoch {after.Token} after {before}");
            Assert.Empty(ledger.Violations());
        }
        finally
        {
            foreach (var peer in new[] { a, b })
            {
                await peer.Stop.CancelAsync();
                await peer.Run;
            }
        }
    }

    [Fact]
    public async Task With_a_shared_coordination_cluster_peers_in_two_clusters_split_the_shards_by_rendezvous_hashing()
    {
        var ledger = new OwnershipLedger();
        var a = StartPeer("cluster-a", "peer-a", ledger, coordinationCluster: "cluster-a");
        var b = StartPeer("cluster-b", "peer-b", ledger, coordinationCluster: "cluster-a");
        try
        {
            var peers = new[] { new ShardPeer("peer-a", 1), new ShardPeer("peer-b", 1) };
            await ledger.WaitForAsync(Shards, owners => Shards.All(s => owners[s] == RendezvousHashing.Owner(s, peers)), TimeSpan.FromSeconds(60));
            Assert.Empty(ledger.Violations());
            foreach (var tenure in ledger.Tenures().Where(t => t.End is null))
            {
                Assert.Equal((tenure.Peer, tenure.Token), Status(tenure.Peer == "peer-a" ? "cluster-a" : "cluster-b", tenure.Shard));
            }

            // Both peers' Leases are in the coordination cluster; the fences are in each peer's own cluster.
            Assert.NotNull(_sandbox.Cluster("cluster-a").GetObject("coordination.k8s.io", "v1", "leases", Namespace, "mcr-peer-peer-b"));
            Assert.Null(_sandbox.Cluster("cluster-b").GetObject("coordination.k8s.io", "v1", "leases", Namespace, "mcr-peer-peer-b"));
        }
        finally
        {
            foreach (var peer in new[] { a, b })
            {
                await peer.Stop.CancelAsync();
                await peer.Run;
            }
        }
    }
}
