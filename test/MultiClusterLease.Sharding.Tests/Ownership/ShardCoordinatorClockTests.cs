using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Ownership;

/// <summary>The coordinator's timing on a fake clock (default timings: lease 20 s, renew 10 s, deadline 15 s, probe
/// 5 s); the API server is real, so the test waits for the requests, never for time.</summary>
public sealed class ShardCoordinatorClockTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_new_peer_waits_a_probe_interval_then_owns_and_stops_exactly_at_its_renew_deadline_when_cut_off()
    {
        await using var cluster = await SandboxCluster.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var ledger = new OwnershipLedger();
        var coordinator = new ShardCoordinator(
            cluster.Client("solo"), new ShardedOwnershipOptions { PeerId = "solo" }, new FixedShardSource(["s"]), ledger.WorkerFor("solo"), clock, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var run = coordinator.RunAsync(stop.Token);

        // The first pass writes the peer Lease but acquires nothing: a probe interval to see the other peers first.
        await EventuallyAsync(() => cluster.Server.GetObject("coordination.k8s.io", "v1", "leases", "kube-system", "mcr-peer-solo") is not null, "peer Lease");
        Assert.Empty(ledger.Tenures());
        clock.Advance(TimeSpan.FromSeconds(5));
        await EventuallyAsync(() => ledger.Owners().ContainsKey("s"), "ownership after one probe interval");
        Assert.Equal(1, ledger.Tenures().Single().Token);

        // Cut off: renewals hang. The work keeps running until 15 s after the last successful renewal started (here the
        // acquisition), and stops exactly then, before anyone else can see the fence expire (20 s).
        cluster.Server.Faults.Add(new FaultRule { Caller = "sharding-test/solo", Action = FaultAction.Partition });
        clock.Advance(TimeSpan.FromSeconds(14.9));
        await Task.Delay(200);
        Assert.Null(ledger.Tenures().Single().End);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        await EventuallyAsync(() => ledger.Tenures().Single().End is not null, "work stopped at the renew deadline");

        cluster.Server.Faults.Clear();
        await stop.CancelAsync();
        for (var i = 0; i < 20 && !run.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(run, Task.Delay(100));
        }

        await run.WaitAsync(Wait);
    }
}
