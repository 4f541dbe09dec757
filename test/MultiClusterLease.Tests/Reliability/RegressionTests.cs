using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Tests.Infrastructure;
using MultiClusterLease.Tests.Integration;

namespace MultiClusterLease.Tests.Reliability;

/// <summary>Known failure modes of other lock systems, each as a scenario that would catch it here.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class RegressionTests
{
    [Fact]
    public async Task ExpiryIsNeverJudgedFromAnotherMachinesClock()
    {
        // The leader's clocks run two hours behind, the other cluster's two hours ahead: the lock's renewTime looks
        // long expired to cluster-b's controller and candidate, yet nobody may take it while it keeps changing.
        await using var harness = await ElectionHarness.StartAsync(2, startControllers: false);
        await harness.StartControllerAsync("cluster-a", new SkewedTimeProvider(TimeSpan.FromHours(-2)));
        await harness.StartControllerAsync("cluster-b", new SkewedTimeProvider(TimeSpan.FromHours(2)));
        harness.StartElector("cluster-a", "a", timeProvider: new SkewedTimeProvider(TimeSpan.FromHours(-2)));
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)));
        harness.StartOfficial("cluster-b", "b", candidateOptions: ElectionHarness.Options("cluster-b", "b"), timeProvider: new SkewedTimeProvider(TimeSpan.FromHours(2)));
        harness.StartElector("cluster-b", "b2", timeProvider: new SkewedTimeProvider(TimeSpan.FromHours(3)));

        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.Single(harness.Log.Terms);
        Assert.Equal("a", harness.Log.CurrentLeader);
        Assert.Equal("a", harness.Status("cluster-b").Holder);
    }

    [Fact]
    public async Task DeletingTheCRReleasesTheLock_SoAnotherClusterTakesOverWithoutWaitingForExpiry()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var history = harness.RecordLockHistory();
        var (a, _) = await harness.ElectAThenStartBAsync();

        // The app is uninstalled: its candidate stops (crash-like, no release) and its CR is deleted.
        await a.CrashAsync();
        await harness.DeleteLeaseAsync("cluster-a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(20)));

        // a's lock was released on deletion (holder "", same epoch) and b took the released lock, not an expired one.
        Assert.Equal([("a", 1L), ("", 1L), ("b", 2L)], history());
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task ALeaderWhoseRenewalsFailStopsBeforeAnotherStarts()
    {
        // The leader is cut off from its API server for twice the lease: it must stop leading on its own, before the
        // other cluster takes over, and never lead again until it is confirmed.
        await using var harness = await ElectionHarness.StartAsync(2);
        harness.StartElector("cluster-a", "a");
        harness.StartOfficial("cluster-a", "a-official");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader is not null, TimeSpan.FromSeconds(15)));
        var leader = harness.Log.CurrentLeader!;
        harness.StartElector("cluster-b", "b");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var cut = harness.Sandbox.Cluster("cluster-a").Faults.Add(new FaultRule { Caller = $"candidate ({leader})", Action = FaultAction.Partition });
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader is { } now && now != leader, TimeSpan.FromSeconds(16)), "nobody took over");
        var oldTerm = harness.Log.Terms.First(t => t.Identity == leader);
        var newTerm = harness.Log.Terms.Last();
        Assert.True(oldTerm.End <= newTerm.Start, $"{leader} still led when {newTerm.Identity} started");
        harness.Sandbox.Cluster("cluster-a").Faults.Remove(cut);
        await Task.Delay(TimeSpan.FromSeconds(4));
        harness.Log.AssertSafe();
    }
}
