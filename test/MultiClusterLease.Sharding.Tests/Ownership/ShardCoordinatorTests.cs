using k8s;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Ownership;

/// <summary>
/// Peers over the official client against the fake API server, judged on one clock by the <see cref="OwnershipLedger"/>.
/// Timings (<see cref="TestPeer.Timings"/>): lease 4 s, renew 1 s, renew deadline 2 s, probe 250 ms. The waits are
/// generous (the machine is shared); the invariant is checked on every tenure.
/// </summary>
public sealed class ShardCoordinatorTests : IAsyncLifetime
{
    private static readonly string[] Shards = [.. Enumerable.Range(0, 12).Select(i => $"team-{i}")];
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private readonly OwnershipLedger _ledger = new();
    private readonly List<TestPeer> _peers = [];
    private SandboxCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SandboxCluster.StartAsync();

    public async Task DisposeAsync()
    {
        _cluster.Server.Faults.Clear();
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    private TestPeer Start(string id)
    {
        var peer = TestPeer.Start(_cluster, _ledger, id, Shards);
        _peers.Add(peer);
        return peer;
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> AssignedBy(params string[] peers) =>
        owners => Shards.All(s => owners[s] == RendezvousHashing.Owner(s, peers.Select(p => new ShardPeer(p, 1))));

    [Fact]
    public async Task Three_peers_split_the_shards_by_rendezvous_hashing_with_one_owner_each()
    {
        Start("peer-0");
        Start("peer-1");
        Start("peer-2");
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-1", "peer-2"), Settle);
        Assert.Empty(_ledger.Violations());

        var lease = await _cluster.Client("check").CoordinationV1.ReadNamespacedLeaseAsync("mcr-shard-team-0", "kube-system");
        Assert.Equal(_ledger.Owners()["team-0"], lease.Spec.HolderIdentity);
        Assert.Equal(_peers.Single(p => p.Id == lease.Spec.HolderIdentity).Coordinator.Owned["team-0"], (long)lease.Spec.LeaseTransitions!.Value);
    }

    [Fact]
    public async Task A_graceful_stop_hands_its_shards_over_without_overlap_and_a_restart_rebalances()
    {
        Start("peer-0");
        var leaving = Start("peer-1");
        Start("peer-2");
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-1", "peer-2"), Settle);

        await leaving.StopAsync();
        _peers.Remove(leaving);

        // Released fences and a deleted peer Lease: the others take over without waiting for any expiry.
        var handoff = await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-2"), Settle);
        Assert.True(handoff < TimeSpan.FromSeconds(4), $"handoff took {handoff}, longer than the lease duration");

        Start("peer-1");
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-1", "peer-2"), Settle);
        Assert.Empty(_ledger.Violations());
    }

    [Fact]
    public async Task A_cut_off_peer_stops_at_its_renew_deadline_and_its_shards_move_after_expiry()
    {
        Start("peer-0");
        var cut = Start("peer-1");
        Start("peer-2");
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-1", "peer-2"), Settle);
        var owned = cut.Coordinator.Owned.Keys.ToList();
        Assert.NotEmpty(owned);

        cut.Partition();
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-2"), Settle);
        Assert.Empty(_ledger.Violations());
        Assert.All(owned, s => Assert.True(_ledger.Tenures().Single(t => t.Shard == s && t.Peer == "peer-1").End is not null));

        // Healed, it comes back as a member and takes its shards again: new tenures, larger tokens.
        cut.Heal();
        await _ledger.WaitForAsync(Shards, AssignedBy("peer-0", "peer-1", "peer-2"), Settle);
        Assert.Empty(_ledger.Violations());
    }
}
