using System.Diagnostics;
using k8s;
using k8s.Models;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Tests.Infrastructure;
using MultiClusterLease.Tests.Integration;
using MultiClusterLease.Tests.Observability;

namespace MultiClusterLease.Tests.HighAvailability;

/// <summary>
/// Controller replicas on the sandbox, each a whole controller host with <c>--leader-elect</c>: one active per cluster
/// through a coordination.k8s.io Lease, elected by the official client's LeaderElector; the standby takes over within
/// the lease duration plus its polling (two retry periods: the official elector polls, it does not watch).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ControllerHighAvailabilityTests
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    /// <summary>How late a polling standby may notice a change: it reads the Lease once per retry period (plus the request).</summary>
    private static readonly TimeSpan Polling = ControllerReplicas.RetryPeriod * 2;

    [Fact]
    public async Task TwoReplicas_OnlyTheActiveReconciles_KillingItHandsOverWithinTheLeaseDuration_AndTheElectionGoesOn()
    {
        await using var harness = await ElectionHarness.StartAsync(2, startControllers: false);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var a1 = await replicas.StartAsync("cluster-a", "replica-a1", releaseOnStop: false);
        var a2 = await replicas.StartAsync("cluster-a", "replica-a2", releaseOnStop: false);
        await replicas.StartAsync("cluster-b", "replica-b1");

        Assert.True(await ElectionHarness.EventuallyAsync(() => a1.IsActive || a2.IsActive, TimeSpan.FromSeconds(10)), "no replica of cluster-a became active");
        var (active, standby) = a1.IsActive ? (a1, a2) : (a2, a1);
        Assert.Equal(active.LeaseIdentity, ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a")?.Holder);

        // The global leader is in cluster-b; cluster-a's active replica reports it to its follower.
        var b = harness.StartElector("cluster-b", "b");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(15)), "b was not elected");
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Status("cluster-a").Holder == "b", TimeSpan.FromSeconds(10)), "cluster-a does not report b");

        // Only the active replica reconciles.
        var sampling = Stopwatch.StartNew();
        while (sampling.Elapsed < TimeSpan.FromSeconds(2))
        {
            Assert.True(active.IsReconciling, "the active replica stopped reconciling");
            Assert.False(standby.IsReconciling, "the standby reconciles");
            Assert.Empty(standby.Controller.Leases());
            await Task.Delay(50);
        }

        var activeMetrics = await active.MetricsAsync();
        var standbyMetrics = await standby.MetricsAsync();
        Assert.Equal(1, PrometheusText.Value(activeMetrics, "multiclusterlease_controller_active"));
        Assert.Equal(0, PrometheusText.Value(standbyMetrics, "multiclusterlease_controller_active"));
        Assert.True(PrometheusText.Value(activeMetrics, "multiclusterlease_gcs_requests_total") > 0, "the active replica made no GCS request");
        Assert.Null(PrometheusText.Value(standbyMetrics, "multiclusterlease_gcs_requests_total"));
        Assert.Equal((200, "Healthy"), await standby.GetAsync("/readyz"));
        Assert.Equal((200, "Healthy"), await standby.GetAsync("/healthz"));

        // Kill the active replica: no release, so the standby waits for the Lease to expire.
        var killed = Stopwatch.StartNew();
        await active.StopAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => standby.IsReconciling, ControllerReplicas.LeaseDuration + TimeSpan.FromSeconds(5)), "the standby never took over");
        var takeover = killed.Elapsed;
        Assert.True(takeover <= ControllerReplicas.LeaseDuration + Polling + Slack, $"the standby took over after {takeover}, lease duration {ControllerReplicas.LeaseDuration}");
        Assert.True(takeover >= ControllerReplicas.LeaseDuration - ControllerReplicas.RetryPeriod - Slack, $"the standby took over after {takeover}: before the Lease could have expired");
        Assert.Equal((standby.LeaseIdentity, 1), ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a"));

        // The election went on: b led throughout; now a crash of b fails over to cluster-a, served by the new replica.
        Assert.Single(harness.Log.Terms);
        Assert.Equal("b", harness.Log.CurrentLeader);
        await b.CrashAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(20)), "no failover to cluster-a");
        Assert.True(await ElectionHarness.EventuallyAsync(
            () => harness.Status("cluster-a") is ("a", 2, _) && harness.Status("cluster-b") is ("a", 2, _),
            TimeSpan.FromSeconds(10)), "the clusters do not both report a with fencing token 2");
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task GracefulStop_ReleasesTheControllerLease_TheStandbyTakesOverAtOnce()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var a1 = await replicas.StartAsync("cluster-a", "replica-a1");
        Assert.True(await ElectionHarness.EventuallyAsync(() => a1.IsReconciling, TimeSpan.FromSeconds(10)), "the first replica did not become active");
        var a2 = await replicas.StartAsync("cluster-a", "replica-a2");
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "a was not elected");
        Assert.False(a2.IsReconciling);
        Assert.Equal((200, "Healthy"), await a1.GetAsync("/readyz"));

        var stopped = Stopwatch.StartNew();
        await a1.StopAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => a2.IsReconciling, TimeSpan.FromSeconds(10)), "the standby never took over");

        // Far sooner than the lease duration: the Lease was released, and the standby polls it every retry period.
        Assert.True(stopped.Elapsed < ControllerReplicas.LeaseDuration / 2, $"the handover took {stopped.Elapsed}");
        Assert.Equal((a2.LeaseIdentity, 1), ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a"));
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Status("cluster-a").Holder == "a", TimeSpan.FromSeconds(5)));
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task ActiveReplicaCutOffFromItsLease_StopsReconcilingAtTheRenewDeadline_BeforeTheStandbyTakesOver()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var a1 = await replicas.StartAsync("cluster-a", "replica-a1");
        Assert.True(await ElectionHarness.EventuallyAsync(() => a1.IsReconciling, TimeSpan.FromSeconds(10)), "the first replica did not become active");
        var a2 = await replicas.StartAsync("cluster-a", "replica-a2");
        Assert.True(await ElectionHarness.EventuallyAsync(() => ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a") is not null, TimeSpan.FromSeconds(5)));

        // The active replica's Lease requests now fail; everything else it does still works.
        harness.Sandbox.Cluster("cluster-a").Faults.Add(new FaultRule { Caller = "(replica-a1)", PathContains = "/leases", Action = FaultAction.Error, StatusCode = 503 });
        var cut = Stopwatch.StartNew();
        TimeSpan? a1Stopped = null;
        TimeSpan? a2Started = null;
        while (cut.Elapsed < ControllerReplicas.LeaseDuration + TimeSpan.FromSeconds(5) && a2Started is null)
        {
            var (one, two) = (a1.IsReconciling, a2.IsReconciling);
            Assert.False(one && two, $"both replicas reconcile at {cut.Elapsed}");
            a1Stopped ??= one ? null : cut.Elapsed;
            a2Started ??= two ? cut.Elapsed : null;
            await Task.Delay(10);
        }

        Assert.NotNull(a1Stopped);
        Assert.NotNull(a2Started);
        // The official elector stops at the renew deadline counted from its last renewal attempt, up to a retry period after the cut.
        Assert.True(a1Stopped <= ControllerReplicas.RenewDeadline + ControllerReplicas.RetryPeriod + Slack, $"the cut-off replica went on reconciling for {a1Stopped}");
        Assert.True(a1Stopped < a2Started, $"the standby started at {a2Started}, before the cut-off replica stopped at {a1Stopped}");
        Assert.Equal((a2.LeaseIdentity, 1), ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a"));
        Assert.False(a1.IsReconciling);
    }

    [Fact]
    public async Task Standby_JudgesExpiryOnItsOwnClockFromObservedChanges_NeverFromTheHoldersTimestamps()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        var api = harness.Api("cluster-a", "foreign-holder");
        var ancient = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var lease = await api.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease
            {
                Metadata = new() { Name = LeaderElectionOptions.DefaultLeaseName, NamespaceProperty = ElectionHarness.Namespace },
                Spec = new V1LeaseSpec { HolderIdentity = "foreign", LeaseDurationSeconds = 4, RenewTime = ancient.UtcDateTime, AcquireTime = ancient.UtcDateTime, LeaseTransitions = 3 },
            },
            ElectionHarness.Namespace);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var replica = await replicas.StartAsync("cluster-a", "replica-a1");

        // The holder's clock says 2000, but it keeps renewing: the Lease changes, so it is live.
        var renewing = Stopwatch.StartNew();
        var renewals = 0;
        while (renewing.Elapsed < TimeSpan.FromSeconds(6))
        {
            lease.Spec!.RenewTime = ancient.AddSeconds(++renewals).UtcDateTime;
            lease = await api.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, LeaderElectionOptions.DefaultLeaseName, ElectionHarness.Namespace);
            var next = renewing.Elapsed + TimeSpan.FromSeconds(1);
            while (renewing.Elapsed < next)
            {
                Assert.False(replica.IsReconciling, $"the standby took a Lease renewed {renewals} times, because its renewTime is old");
                await Task.Delay(20);
            }
        }

        // Its last renewal claims a time in the future, then the holder stops: expired 4 s later, on the standby's clock.
        lease.Spec!.RenewTime = new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await api.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, LeaderElectionOptions.DefaultLeaseName, ElectionHarness.Namespace);
        var stopped = Stopwatch.StartNew();
        Assert.True(await ElectionHarness.EventuallyAsync(() => replica.IsReconciling, TimeSpan.FromSeconds(10)), "the standby never took the abandoned Lease");
        Assert.InRange(stopped.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4) + Polling + Slack);
        Assert.Equal((replica.LeaseIdentity, 4), ControllerReplica.ControllerLease(harness.Sandbox, "cluster-a"));
    }
}
