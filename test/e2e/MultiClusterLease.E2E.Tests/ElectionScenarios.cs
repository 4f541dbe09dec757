using System.Diagnostics;
using MultiClusterLease.Election.Reconciliation;

namespace MultiClusterLease.E2E.Tests;

/// <summary>
/// The scenarios of the Go implementation's e2e tests (two clusters, one leader, both CRs report it; failover when the
/// leader stops), plus graceful handover and CR deletion, with leaseDuration 8, renewDeadline 3, retryPeriod 2.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ElectionScenarios(E2EEnvironment environment)
{
    private static readonly TimeSpan ElectionBound = TimeSpan.FromSeconds(20);

    // The failover bound: the crashed leader's lease (8 s) runs out, plus a retry period, plus slack for real clusters.
    private static readonly TimeSpan FailoverBound = Candidate.LeaseDuration + Candidate.RetryPeriod + TimeSpan.FromSeconds(4);

    // A handover waits for a release and the other cluster's next poll, well within the lease, slack included.
    private static readonly TimeSpan HandoverTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TwoClusters_OneLeader_BothCRsReportIt()
    {
        await using var scenario = new Scenario(environment, "one-leader");
        var a = scenario.Start(scenario.A, "a");
        var b = scenario.Start(scenario.B, "b");

        Assert.True(await Scenario.EventuallyAsync(() => scenario.Log.CurrentLeader is not null, ElectionBound), $"nobody was elected on {environment.Target}: are the controllers deployed and using this bucket?");
        var leader = scenario.Log.CurrentLeader!;
        Assert.True(
            await Scenario.EventuallyAsync(async () => await scenario.ReportedAsync(scenario.A) is var x && await scenario.ReportedAsync(scenario.B) is var y && x.Holder == leader && x == y, TimeSpan.FromSeconds(10)),
            $"the CRs do not both report {leader}: {await scenario.ReportedAsync(scenario.A)} / {await scenario.ReportedAsync(scenario.B)}");

        var (holder, token) = await scenario.ReportedAsync(scenario.A);
        Assert.Equal((holder, token), await scenario.LockAsync());
        Assert.Equal(environment.Locks.Describe(scenario.LockName), (await scenario.GetAsync(scenario.A))!.Status!.LockObject);
        Assert.Equal(token, (leader == a.Identity ? a : b).FencingToken);

        // It stays that way.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.False(a.IsLeader && b.IsLeader, "two leaders");
            await Task.Delay(100);
        }

        Assert.Single(scenario.Log.Terms);
        Assert.Equal(leader, scenario.Log.CurrentLeader);
    }

    [Fact]
    public async Task LeaderCrashes_TheOtherClusterTakesOverAfterTheLeaseRunsOut()
    {
        await using var scenario = new Scenario(environment, "failover");
        var (a, b) = await ElectAThenStartBAsync(scenario);
        var (_, token) = await scenario.ReportedAsync(scenario.B);

        var crashedAt = scenario.Log.Now;
        await a.CrashAsync();
        Assert.True(await Scenario.EventuallyAsync(() => scenario.Log.CurrentLeader == b.Identity, FailoverBound + TimeSpan.FromSeconds(5)), "no failover");
        var failover = scenario.Log.Terms[^1].Start - crashedAt;
        Assert.True(failover <= FailoverBound, $"failover took {failover}");
        Assert.True(failover >= TimeSpan.FromSeconds(2), $"failover after {failover}: the lock was taken while the crashed leader could still lead");
        Assert.Equal(token + 1, b.FencingToken);
        Assert.True(
            await Scenario.EventuallyAsync(async () => await scenario.ReportedAsync(scenario.A) == (b.Identity, token + 1) && await scenario.ReportedAsync(scenario.B) == (b.Identity, token + 1), TimeSpan.FromSeconds(10)),
            "the CRs do not both report the new leader");
        scenario.Log.AssertOneLeaderAtATime();
    }

    [Fact]
    public async Task LeaderStopsGracefully_ReleasesAndHandsOverQuickly()
    {
        await using var scenario = new Scenario(environment, "handover");
        var (a, b) = await ElectAThenStartBAsync(scenario);

        await a.StopAsync();
        Assert.True(await Scenario.EventuallyAsync(() => scenario.Log.CurrentLeader == b.Identity, HandoverTimeout), "no handover");
        await AssertTookTheReleasedLockAsync(scenario, b);
        Assert.True(await Scenario.EventuallyAsync(async () => (await scenario.ReportedAsync(scenario.A)).Holder == b.Identity, TimeSpan.FromSeconds(10)), "the first cluster's CR does not report the new leader");
        scenario.Log.AssertOneLeaderAtATime();
    }

    [Fact]
    public async Task DeletingTheLeadersCR_WaitsForItsLeaseToRunOut_ThenTheCRGoes()
    {
        await using var scenario = new Scenario(environment, "deletion");
        var (a, b) = await ElectAThenStartBAsync(scenario);
        var (_, token) = await scenario.ReportedAsync(scenario.A);

        // The leader's process is gone (no release, and nothing recreates the CR); then its CR is deleted. The controller
        // cannot tell a crash from a leader that runs on: it waits (ReleasePending) until the lock has gone unrenewed
        // for its lease duration, then releases it and removes its finalizer, within leaseDuration + retryPeriod.
        await a.CrashAsync();
        await scenario.A.Api.DeleteLeaseAsync(scenario.A.Namespace, scenario.CrName);

        Assert.True(await Scenario.EventuallyAsync(async () => await scenario.GetAsync(scenario.A) is null, FailoverBound), "the CR was not deleted: the controller kept its finalizer");
        Assert.True(await Scenario.EventuallyAsync(() => scenario.Log.CurrentLeader == b.Identity, HandoverTimeout), "the other cluster never took over");
        Assert.NotEmpty(await scenario.EventMessagesAsync(scenario.A, LeaseEventReasons.ReleasePending));
        Assert.Equal((b.Identity, token + 1), await scenario.LockAsync());
        scenario.Log.AssertOneLeaderAtATime();
    }

    /// <summary>
    /// Asserts that the first site's controller released the lock and the second site's controller took it as released,
    /// not as expired: the reason it gives in its <c>LeaderElected</c> event (what <c>kubectl describe</c> shows).
    /// </summary>
    private static async Task AssertTookTheReleasedLockAsync(Scenario scenario, Candidate b)
    {
        Assert.True(
            await Scenario.EventuallyAsync(async () => (await scenario.EventMessagesAsync(scenario.A, LeaseEventReasons.Released)).Count > 0, TimeSpan.FromSeconds(10)),
            "the first cluster's controller recorded no LockReleased event");
        var acquired = await scenario.EventMessagesAsync(scenario.B, LeaseEventReasons.Acquired);
        Assert.Contains(acquired, m => m.StartsWith($"{b.Identity} acquired", StringComparison.Ordinal) && m.EndsWith("the lock was released", StringComparison.Ordinal));
    }

    /// <summary>Elects a candidate in the first site, then starts one in the second, which follows and sees the leader.</summary>
    private static async Task<(Candidate A, Candidate B)> ElectAThenStartBAsync(Scenario scenario)
    {
        var a = scenario.Start(scenario.A, "a");
        Assert.True(await Scenario.EventuallyAsync(() => scenario.Log.CurrentLeader == a.Identity, ElectionBound), $"a was not elected on {scenario.Environment.Target}: are the controllers deployed and using this bucket?");
        var b = scenario.Start(scenario.B, "b");
        Assert.True(
            await Scenario.EventuallyAsync(async () => (await scenario.ReportedAsync(scenario.B)).Holder == a.Identity, TimeSpan.FromSeconds(10)),
            "the second cluster's CR does not report the leader");
        Assert.False(b.IsLeader);
        return (a, b);
    }
}
