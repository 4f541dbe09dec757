using MultiClusterLease.Election.Reconciliation;
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
    public async Task DeletingALiveLeadersCR_NoOtherClusterLeadsBeforeItStops_AndTheLockIsTakenWithinTheBound()
    {
        // The CR is deleted while its candidate runs on: deletion stops the renewals, and the lock is released only
        // once it has gone unrenewed for its lease duration. a stops leading by its renew deadline.
        await using var harness = await ElectionHarness.StartAsync(2);
        var (a, _) = await harness.ElectAThenStartBAsync();

        var deletedAt = harness.Now;
        Assert.True(await harness.DeleteLeaseAsync("cluster-a"));
        await AssertNextTermStartsAfterTheLeaderStoppedAsync(harness, "a", deletedAt, leaseSeconds: 8);
        Assert.False(a.Run.IsFaulted);
    }

    [Fact]
    public async Task DeletingAReleasedHoldersCR_AnotherClusterTakesOverWithoutWaitingForExpiry()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var history = harness.RecordLockHistory();
        var (a, _) = await harness.ElectAThenStartBAsync();

        // The app is uninstalled: its candidate stops gracefully (writes holderIdentity "") and its CR is deleted.
        await a.StopAsync();
        var deletedAt = harness.Now;
        Assert.True(await harness.DeleteLeaseAsync("cluster-a"));
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(20)));
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Lease("cluster-a") is null, TimeSpan.FromSeconds(10)), "the CR was not deleted");

        // The release came at once (holder "", same epoch) and b took the released lock, well before a's lease
        // (8 s) could have run out.
        Assert.Equal([("a", 1L), ("", 1L), ("b", 2L)], history());
        var takeover = harness.Log.Terms.Last().Start - deletedAt;
        Assert.True(takeover < TimeSpan.FromSeconds(8), $"b took over {takeover.TotalSeconds:F2} s after the deletion: the release waited for expiry");
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task Seed1002_TheLeadersCRIsDeletedWhileItLeads_ACandidateInAnotherClusterWaits()
    {
        // Soak seed 1002: a1 (the official elector, lease 10 s) leads in cluster-a, b2 (our elector, lease 8 s)
        // waits in cluster-b, their clocks are off by an hour and more, and a1's CR is deleted while a1 runs on. The old
        // rule released the lock 20 ms after the deletion and b2 led 2 s before a1 stopped.
        await using var harness = await ElectionHarness.StartAsync(2);
        var a1 = harness.StartOfficial("cluster-a", "a1", candidateOptions: ElectionHarness.Options("cluster-a", "a1", lease: 10), timeProvider: new SkewedTimeProvider(TimeSpan.FromMinutes(-67)));
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a1", TimeSpan.FromSeconds(15)), "a1 was not elected");
        harness.StartElector("cluster-b", "b2", (c, i) => ElectionHarness.Options(c, i, lease: 8), new SkewedTimeProvider(TimeSpan.FromMinutes(-79)));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var deletedAt = harness.Now;
        Assert.True(await harness.DeleteLeaseAsync("cluster-a"));

        await AssertNextTermStartsAfterTheLeaderStoppedAsync(harness, "a1", deletedAt, leaseSeconds: 10);
        Assert.False(a1.Run.IsFaulted);

        // While a1 could still lead, the controller said why the CR stayed terminating.
        Assert.Contains(
            harness.Sandbox.Cluster("cluster-a").ListObjects("", "v1", "events", ElectionHarness.Namespace),
            e => e["reason"]?.GetValue<string>() == LeaseEventReasons.ReleasePending && e["message"]!.GetValue<string>().Contains("waiting up to", StringComparison.Ordinal));
    }

    /// <summary>
    /// The first term started after the deletion (whoever leads it: another cluster, or the old leader again through a
    /// recreated CR) starts only after the old leader stopped, judged on the harness's one clock, and within
    /// leaseDuration + retryPeriod + 2 s of the deletion.
    /// </summary>
    private static async Task AssertNextTermStartsAfterTheLeaderStoppedAsync(ElectionHarness harness, string leader, TimeSpan deletedAt, int leaseSeconds)
    {
        var bound = TimeSpan.FromSeconds(leaseSeconds + 2 + 2);
        Assert.True(
            await ElectionHarness.EventuallyAsync(() => harness.Log.Terms.Any(t => t.Start > deletedAt), bound + TimeSpan.FromSeconds(8)),
            $"nobody led after the deletion\n{string.Join("\n", harness.Log.Terms)}");
        var old = harness.Log.Terms.Last(t => t.Identity == leader && t.Start <= deletedAt);
        var next = harness.Log.Terms.First(t => t.Start > deletedAt);
        Assert.True(old.End is { } end && end <= next.Start, $"{leader} {(old.End is { } e ? $"led until {e.TotalSeconds:F2} s" : "was still leading")} when {next.Identity} started at {next.Start.TotalSeconds:F2} s");
        Assert.True(next.Start - deletedAt <= bound, $"{next.Identity} started {(next.Start - deletedAt).TotalSeconds:F2} s after the deletion (bound {bound.TotalSeconds} s)");
        await Task.Delay(TimeSpan.FromSeconds(1));
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
