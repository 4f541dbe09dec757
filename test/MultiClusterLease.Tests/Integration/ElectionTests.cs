using System.Text;
using k8s;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Tests.Infrastructure;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Tests.Integration;

/// <summary>The whole election through real HTTP on the sandbox: controllers, candidates, fake API servers, fake GCS.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class ElectionTests
{
    // leaseDuration 8 s + retryPeriod 2 s + 2 s: the liveness bound the project promises.
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task TwoClusters_OneLeader_BothClustersReportIt()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        harness.StartElector("cluster-a", "a");
        harness.StartElector("cluster-b", "b");

        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader is not null, TimeSpan.FromSeconds(15)), "nobody was elected");
        var leader = harness.Log.CurrentLeader!;
        Assert.True(await ElectionHarness.EventuallyAsync(
            () => harness.Status("cluster-a").Holder == leader && harness.Status("cluster-b").Holder == leader && harness.Status("cluster-a").Token == harness.Status("cluster-b").Token,
            TimeSpan.FromSeconds(10)), "the clusters do not agree on the leader");

        var lockObject = harness.LockObject()!;
        Assert.Equal(leader, lockObject["holderIdentity"]!.GetValue<string>());
        Assert.Equal(1, lockObject["epoch"]!.GetValue<long>());
        Assert.Equal($"gs://{harness.Sandbox.Bucket}/leases/tests/election", harness.Lease("cluster-a")!["status"]!["lockObject"]!.GetValue<string>());

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(harness.Log.Terms);
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task ThreeClusters_SeveralCandidatesEach_NeverTwoLeaders()
    {
        await using var harness = await ElectionHarness.StartAsync(3);
        foreach (var cluster in new[] { "cluster-a", "cluster-b", "cluster-c" })
        {
            harness.StartElector(cluster, $"{cluster}-1");
            harness.StartElector(cluster, $"{cluster}-2");
        }

        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader is not null, TimeSpan.FromSeconds(15)));
        await Task.Delay(TimeSpan.FromSeconds(6));
        harness.Log.AssertSafe();
        Assert.Single(harness.Log.Terms);
    }

    [Fact]
    public async Task LeaderCrash_AnotherClusterTakesOverAfterExpiry_WithAGreaterFencingToken()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var (a, b) = await harness.ElectAThenStartBAsync();

        var crashedAt = harness.Now;
        await a.CrashAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", FailoverBound + TimeSpan.FromSeconds(5)), "no failover");
        var failover = harness.Log.Terms.Last().Start - crashedAt;
        Assert.True(failover <= FailoverBound, $"failover took {failover}");

        // Never before the crashed leader's lease could have run out.
        Assert.True(failover >= TimeSpan.FromSeconds(2), $"failover after {failover}: the lock was taken while the crashed leader could still lead");
        harness.Log.AssertSafe();
        Assert.Equal(2, harness.Log.Terms.Last().FencingToken);
    }

    [Fact]
    public async Task GracefulStop_ReleasesTheLock_AndTheOtherClusterTakesTheReleasedLock()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var history = harness.RecordLockHistory();
        var (a, _) = await harness.ElectAThenStartBAsync();

        await a.StopAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(20)), "no handover");

        // The handover went through a release (holder "", same epoch), not through the expiry of a's lease.
        Assert.Equal([("a", 1L), ("", 1L), ("b", 2L)], history());
        Assert.Equal(2, harness.Log.Terms.Last().FencingToken);
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task ALateFirstAnswer_IsRenewedBeforeTheRenewDeadline_LeadershipDoesNotLapse()
    {
        await using var harness = await ElectionHarness.StartAsync(1);

        // The first signal (the CR's creation) reaches the API server 1.2 s after the candidate made it, so its answer
        // leaves less than a retry period (2 s) of the renew deadline (3 s, counted from the signal).
        harness.Sandbox.Cluster("cluster-a").Faults.Add(new FaultRule { Caller = "candidate", Method = "POST", Action = FaultAction.Delay, Latency = TimeSpan.FromSeconds(1.2), RemainingCount = 1 });
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)));
        await Task.Delay(TimeSpan.FromSeconds(6));

        var term = Assert.Single(harness.Log.Terms);
        Assert.Null(term.End);
    }

    [Fact]
    public async Task DeletingACrashedLeadersCR_WaitsForItsLeaseToRunOut_ThenReleasesTheLockAndRemovesTheFinalizer()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        var history = harness.RecordLockHistory();
        var a = harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)));
        Assert.Contains("release-lock", harness.Lease("cluster-a")!["metadata"]!["finalizers"]!.ToJsonString());
        await a.CrashAsync();

        // The controller cannot tell a crash from a candidate that runs on: it says why it waits, and releases once the
        // lock has gone unrenewed (or a unheard of) for the lease duration: within leaseDuration + retryPeriod.
        Assert.True(await harness.DeleteLeaseAsync("cluster-a"));
        Assert.True(await ElectionHarness.EventuallyAsync(() => Events(harness, "ReleasePending").Any(m => m.Contains("waiting up to", StringComparison.Ordinal)), TimeSpan.FromSeconds(5)), "no ReleasePending event");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Lease("cluster-a") is null || Condition(harness, LeaseReconciler.ReleasePendingCondition) == ("True", "HolderMayStillLead"), TimeSpan.FromSeconds(5)), "no ReleasePending condition");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Lease("cluster-a") is null, FailoverBound + TimeSpan.FromSeconds(5)), "the CR was not deleted (finalizer kept)");
        var lockObject = harness.LockObject()!;
        Assert.Equal("", lockObject["holderIdentity"]!.GetValue<string>());
        Assert.Equal(1, lockObject["epoch"]!.GetValue<long>());
        Assert.Equal([("a", 1L), ("", 1L)], history());
        Assert.Contains(Events(harness, "LockReleased"), m => m.Contains("being deleted", StringComparison.Ordinal) || m.Contains("stopped renewing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFollowersRelease_DoesNotReleaseTheLockOfTheLocalLeader()
    {
        // a leads; a2, a follower in the same cluster, signals and then releases (writes holderIdentity "" while it is
        // the spec's holder), e.g. while shutting down. a is still leading: its lock must stay.
        await using var harness = await ElectionHarness.StartAsync(1);
        var history = harness.RecordLockHistory();
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)));
        await using var follower = new MultiClusterLease.Client.Candidate.MultiClusterLeaseCandidate(
            harness.Api("cluster-a", "a2"), ElectionHarness.Options("cluster-a", "a2"), null, TestLogging.Factory.CreateLogger<MultiClusterLease.Client.Candidate.MultiClusterLeaseCandidate>());

        var released = false;
        for (var attempt = 0; attempt < 20 && !released; attempt++)
        {
            // a renews the spec every retry period: signal, then release before a's next write.
            Assert.False((await follower.TryAcquireOrRenewAsync()).Acquired);
            released = await follower.ReleaseAsync();
        }

        Assert.True(released, "the follower never got to release");
        var releasedGeneration = harness.Lease("cluster-a")!["metadata"]!["generation"]!.GetValue<long>();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Status("cluster-a").ObservedGeneration >= releasedGeneration, TimeSpan.FromSeconds(10)), "the controller did not answer past the release");
        Assert.Equal("a", harness.LockObject()!["holderIdentity"]!.GetValue<string>());
        Assert.DoesNotContain(history(), h => h.Holder == "");
        var term = Assert.Single(harness.Log.Terms);
        Assert.Null(term.End);
    }

    [Fact]
    public async Task OfficialLeaderElector_DrivesTheLock_OneLeader_AndFailsOverAfterACrashWithinTheBound()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var a = harness.StartOfficial("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "the official elector never acquired");
        harness.StartOfficial("cluster-b", "b");
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal("a", harness.Log.CurrentLeader);
        Assert.True(a.Lock.FencingToken > 0);

        // Stopped without ReleaseAsync (the official elector never releases): b takes over once a's lease expires.
        var stoppedAt = harness.Now;
        await a.StopAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", FailoverBound + TimeSpan.FromSeconds(5)), "no failover");
        Assert.True(harness.Log.Terms.Last().Start - stoppedAt <= FailoverBound, $"failover took {harness.Log.Terms.Last().Start - stoppedAt}");
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task OfficialLeaderElector_HandsOverWithinARetryPeriodAfterReleaseAsync()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        var a = harness.StartOfficial("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "the official elector never acquired");
        harness.StartOfficial("cluster-b", "b");
        await Task.Delay(TimeSpan.FromSeconds(4));

        await a.StopAsync();
        var releasedAt = harness.Now;
        Assert.True(await a.Lock.ReleaseAsync());
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(10)), "no handover");
        var handover = harness.Log.Terms.Last().Start - releasedAt;
        Assert.True(handover <= TimeSpan.FromSeconds(2 + 2), $"handover took {handover}, bound retryPeriod + 2 s");
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task OfficialLeaderElector_AsStandby_MakesNoSpecWriteWhileTheControllerReportsAnotherLiveHolder()
    {
        await using var harness = await ElectionHarness.StartAsync(2);
        harness.StartOfficial("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "the official elector never acquired");
        harness.StartOfficial("cluster-b", "b");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Status("cluster-b").Holder == "a", TimeSpan.FromSeconds(10)), "cluster-b does not report a");

        // b signalled once (creating its CR) and was refused; every spec write would raise the generation.
        var generation = harness.Lease("cluster-b")!["metadata"]!["generation"]!.GetValue<long>();
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.Equal(generation, harness.Lease("cluster-b")!["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("a", harness.Log.CurrentLeader);
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task GcsFaults_429And503AndALostWriteResponse_StillOneLeaderWithUniqueTokens()
    {
        await using var harness = await ElectionHarness.StartAsync(2, generations: MultiClusterLease.Sandbox.Gcs.GcsGenerationMode.Random);
        var unavailable = harness.Sandbox.Gcs.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.Error, StatusCode = 503, RemainingCount = 2 });
        var throttled = harness.Sandbox.Gcs.Faults.Add(new FaultRule { Method = "GET", Action = FaultAction.Error, StatusCode = 429, RemainingCount = 3 });
        var dropped = harness.Sandbox.Gcs.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.DropResponse, RemainingCount = 1 });
        harness.StartElector("cluster-a", "a");
        harness.StartElector("cluster-b", "b");

        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader is not null, TimeSpan.FromSeconds(20)), "nobody was elected");
        await Task.Delay(TimeSpan.FromSeconds(3));
        harness.Log.AssertSafe();
        Assert.Equal((0, 0, 0), (unavailable.RemainingCount, throttled.RemainingCount, dropped.RemainingCount));

        // The dropped answer was settled by nonce: one epoch per holder, no second write for the same term.
        Assert.Equal(harness.Log.Terms[0].FencingToken, harness.LockObject()!["epoch"]!.GetValue<long>());
    }

    [Fact]
    public async Task GcsPartition_ReportsBackendUnhealthy_ThenRecovers()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        var rule = harness.Sandbox.Gcs.Faults.Add(new FaultRule { Caller = "controller", Action = FaultAction.Error, StatusCode = 503 });
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => Condition(harness, "BackendHealthy") == ("False", "BackendError"), TimeSpan.FromSeconds(20)), "no BackendHealthy=False condition");
        Assert.Null(harness.Log.CurrentLeader);

        harness.Sandbox.Gcs.Faults.Remove(rule);
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(20)), "no leader after healing");
        Assert.True(await ElectionHarness.EventuallyAsync(() => Condition(harness, "BackendHealthy").Status == "True", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ApiConflictsOnTheCandidatesWrites_AreRetriedWithoutThrowing()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        harness.Sandbox.Cluster("cluster-a").Faults.Add(new FaultRule { Caller = "candidate", Method = "PATCH", Action = FaultAction.Error, StatusCode = 409, RemainingCount = 3 });
        var a = harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(20)));
        Assert.False(a.Run.IsFaulted);
    }

    [Fact]
    public async Task CorruptLockObject_IsReportedAndNeverOverwritten()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        var garbage = Encoding.UTF8.GetBytes("{not json");
        harness.Sandbox.Gcs.PutRaw(harness.Sandbox.Bucket, "leases/tests/election", garbage);
        harness.StartElector("cluster-a", "a");

        Assert.True(await ElectionHarness.EventuallyAsync(() => Condition(harness, "BackendHealthy") == ("False", "LockObjectCorrupt"), TimeSpan.FromSeconds(15)), "corruption not reported");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(harness.Sandbox.Gcs.TryGetObject(harness.Sandbox.Bucket, "leases/tests/election", out var body, out _));
        Assert.Equal(garbage, body);
        Assert.Null(harness.Log.CurrentLeader);
    }

    [Fact]
    public async Task UnsafeTimings_BecomeAConditionAndAnEvent()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        var api = harness.Api("cluster-a", "admin");
        await api.CustomObjects.CreateNamespacedCustomObjectAsync(new Lease
        {
            Metadata = new() { Name = ElectionHarness.LeaseName, NamespaceProperty = ElectionHarness.Namespace },
            Spec = new() { HolderIdentity = "a", RenewTime = DateTimeOffset.UtcNow, LeaseDurationSeconds = 12, RenewDeadlineSeconds = 10, RetryPeriodSeconds = 2 },
        }, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ElectionHarness.Namespace, MultiClusterLeaseApi.Plural);

        Assert.True(await ElectionHarness.EventuallyAsync(() => Condition(harness, "SpecValid") == ("False", "InvalidSpec"), TimeSpan.FromSeconds(10)));
        Assert.True(await ElectionHarness.EventuallyAsync(
            () => harness.Sandbox.Cluster("cluster-a").ListObjects("", "v1", "events", ElectionHarness.Namespace).Any(e => e["reason"]?.GetValue<string>() == "InvalidSpec"),
            TimeSpan.FromSeconds(10)), "no InvalidSpec event");
        Assert.Null(harness.LockObject());
    }

    private static IEnumerable<string> Events(ElectionHarness harness, string reason)
        => harness.Sandbox.Cluster("cluster-a").ListObjects("", "v1", "events", ElectionHarness.Namespace)
            .Where(e => e["reason"]?.GetValue<string>() == reason)
            .Select(e => e["message"]?.GetValue<string>() ?? "")
            .ToList();

    private static (string Status, string Reason) Condition(ElectionHarness harness, string type)
    {
        var conditions = harness.Lease("cluster-a")?["status"]?["conditions"]?.AsArray();
        var condition = conditions?.FirstOrDefault(c => c!["type"]!.GetValue<string>() == type);
        return condition is null ? ("", "") : (condition["status"]!.GetValue<string>(), condition["reason"]!.GetValue<string>());
    }
}
