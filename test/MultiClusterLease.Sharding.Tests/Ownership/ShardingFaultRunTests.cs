using System.Globalization;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Tests.Harness;
using Xunit.Abstractions;

namespace MultiClusterLease.Sharding.Tests.Ownership;

/// <summary>
/// A small seeded fault run: four peers, sixteen shards; each step cuts a peer off (partition), slows one down, or
/// restarts one gracefully, at random (seeded). Invariants, checked on every tenure on one clock: never two owners of a
/// shard, tokens increasing; and after healing, every shard owned by its rendezvous owner within the bound
/// <c>LeaseDuration + RenewInterval</c> (a fence left by a cut-off peer expires, then the next pass takes it), plus 4 s
/// for scheduling on a shared machine. <c>MCL_SHARDING_SEEDS=N</c> runs N seeds (default 1).
/// </summary>
public sealed class ShardingFaultRunTests(ITestOutputHelper output)
{
    private static readonly string[] Shards = [.. Enumerable.Range(0, 16).Select(i => $"tenant-{i}")];
    private static readonly string[] PeerIds = ["peer-0", "peer-1", "peer-2", "peer-3"];

    public static TheoryData<int> Seeds()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("MCL_SHARDING_SEEDS"), CultureInfo.InvariantCulture, out var n) ? n : 1;
        var data = new TheoryData<int>();
        foreach (var seed in Enumerable.Range(1, count))
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task No_shard_has_two_owners_and_every_shard_is_owned_within_the_bound_after_healing(int seed)
    {
        var random = new Random(seed);
        var ledger = new OwnershipLedger();
        await using var cluster = await SandboxCluster.StartAsync(seed: seed);
        var peers = PeerIds.ToDictionary(id => id, id => TestPeer.Start(cluster, ledger, id, Shards));
        var timings = TestPeer.Timings("x");
        var bound = timings.LeaseDuration + timings.RenewInterval + TimeSpan.FromSeconds(4);
        try
        {
            await ledger.WaitForAsync(Shards, _ => true, TimeSpan.FromSeconds(30));
            for (var step = 0; step < 4; step++)
            {
                var id = PeerIds[random.Next(PeerIds.Length)];
                var hold = TimeSpan.FromMilliseconds(random.Next(1_000, 6_000));
                FaultRule? rule = null;
                switch (random.Next(3))
                {
                    case 0:
                        output.WriteLine($"step {step}: partition {id} for {hold}");
                        rule = cluster.Server.Faults.Add(new FaultRule { Caller = $"sharding-test/{id}", Action = FaultAction.Partition });
                        break;
                    case 1:
                        output.WriteLine($"step {step}: slow {id} down (0.6 s per request) for {hold}");
                        rule = cluster.Server.Faults.Add(new FaultRule { Caller = $"sharding-test/{id}", Action = FaultAction.Delay, Latency = TimeSpan.FromMilliseconds(600) });
                        break;
                    default:
                        output.WriteLine($"step {step}: restart {id} gracefully");
                        await peers[id].StopAsync();
                        peers[id] = TestPeer.Start(cluster, ledger, id, Shards);
                        break;
                }

                await Task.Delay(hold);
                if (rule is not null)
                {
                    cluster.Server.Faults.Remove(rule);
                }

                var settled = await ledger.WaitForAsync(
                    Shards, owners => Shards.All(s => owners[s] == RendezvousHashing.Owner(s, PeerIds.Select(p => new ShardPeer(p, 1)))), TimeSpan.FromSeconds(60));
                output.WriteLine($"  settled {settled.TotalSeconds:F1} s after healing (bound {bound.TotalSeconds} s)");
                Assert.Empty(ledger.Violations());
                Assert.True(settled <= bound, $"step {step}: shards settled {settled} after healing, bound {bound}");
            }
        }
        finally
        {
            cluster.Server.Faults.Clear();
            foreach (var peer in peers.Values)
            {
                await peer.DisposeAsync();
            }
        }

        Assert.Empty(ledger.Violations());
        output.WriteLine($"{ledger.Tenures().Count} tenures, no overlap");
    }
}
