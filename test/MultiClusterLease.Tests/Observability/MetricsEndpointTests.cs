using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Tests.HighAvailability;
using MultiClusterLease.Tests.Infrastructure;
using MultiClusterLease.Tests.Integration;
using Xunit.Abstractions;

namespace MultiClusterLease.Tests.Observability;

/// <summary>/metrics, /readyz and the CR events of whole controller hosts, while elections run on the sandbox.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class MetricsEndpointTests(ITestOutputHelper output)
{
    /// <summary>The metric families of /metrics and their types, as README "Controller flags" lists them.</summary>
    private static readonly SortedDictionary<string, string> Families = new(StringComparer.Ordinal)
    {
        ["multiclusterlease_controller_active"] = "gauge",
        ["multiclusterlease_fencing_token"] = "gauge",
        ["multiclusterlease_gcs_request_duration_seconds"] = "histogram",
        ["multiclusterlease_gcs_requests_total"] = "counter",
        ["multiclusterlease_kubernetes_api_errors_total"] = "counter",
        ["multiclusterlease_leader_status"] = "gauge",
        ["multiclusterlease_lease_transitions_total"] = "counter",
        ["multiclusterlease_reconcile_duration_seconds"] = "histogram",
        ["multiclusterlease_reconcile_errors_total"] = "counter",
        ["multiclusterlease_watch_restarts_total"] = "counter",
    };

    private static readonly (string, string) Lease = ("lease", "default/election");
    private static readonly (string, string) Lock = ("lock", "tests/election");

    [Fact]
    public async Task Metrics_FollowAnElectionAndAHandover_AndEventsAreRecordedOnEachCR()
    {
        await using var harness = await ElectionHarness.StartAsync(2, startControllers: false);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var controllerA = await replicas.StartAsync("cluster-a", "replica-a");
        var controllerB = await replicas.StartAsync("cluster-b", "replica-b", leaderElect: false);
        var a = harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "a was not elected");
        harness.StartElector("cluster-b", "b");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Status("cluster-b").Holder == "a", TimeSpan.FromSeconds(10)), "cluster-b does not report a");

        var metricsA = await controllerA.MetricsAsync();
        Assert.Equal(1, PrometheusText.Value(metricsA, "multiclusterlease_leader_status", Lease, Lock, ("holder", "a")));
        Assert.Equal(1, PrometheusText.Value(metricsA, "multiclusterlease_fencing_token", Lease, Lock));
        Assert.Equal(0, PrometheusText.Value(metricsA, "multiclusterlease_lease_transitions_total", Lease, Lock));
        Assert.Equal(1, PrometheusText.Value(metricsA, "multiclusterlease_controller_active"));
        Assert.Equal(0, PrometheusText.Value(metricsA, "multiclusterlease_watch_restarts_total", ("resource", "multiclusterleases")));
        Assert.True(PrometheusText.Value(metricsA, "multiclusterlease_gcs_requests_total", ("operation", "write"), ("code", "200")) >= 1, "no GCS write counted");
        var gcsRequests = PrometheusText.Value(metricsA, "multiclusterlease_gcs_requests_total");
        Assert.Equal(gcsRequests, PrometheusText.Value(metricsA, "multiclusterlease_gcs_request_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(gcsRequests, PrometheusText.Value(metricsA, "multiclusterlease_gcs_request_duration_seconds_count"));
        Assert.True(PrometheusText.Value(metricsA, "multiclusterlease_reconcile_duration_seconds_count", ("result", "success")) >= 2, "no reconcile counted");
        Assert.Null(PrometheusText.Value(metricsA, "multiclusterlease_reconcile_errors_total"));

        var metricsB = await controllerB.MetricsAsync();
        Assert.Equal(0, PrometheusText.Value(metricsB, "multiclusterlease_leader_status", Lease, Lock, ("holder", "a")));
        Assert.Equal(1, PrometheusText.Value(metricsB, "multiclusterlease_fencing_token", Lease, Lock));
        Assert.Equal(1, PrometheusText.Value(metricsB, "multiclusterlease_controller_active"));

        // Graceful handover: a releases, b takes the lock with the next fencing token.
        await a.StopAsync();
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "b", TimeSpan.FromSeconds(10)), "no handover to b");
        string text = "";
        Assert.True(
            await ElectionHarness.EventuallyAsync(
                () =>
                {
                    text = controllerA.MetricsAsync().GetAwaiter().GetResult();
                    return PrometheusText.Value(text, "multiclusterlease_leader_status", Lease, Lock, ("holder", "b")) == 0
                        && PrometheusText.Value(text, "multiclusterlease_fencing_token", Lease, Lock) == 2
                        && PrometheusText.Value(text, "multiclusterlease_lease_transitions_total", Lease, Lock) == 1;
                },
                TimeSpan.FromSeconds(10)),
            $"cluster-a's metrics did not follow the handover:\n{text}");
        Assert.Null(PrometheusText.Value(text, "multiclusterlease_leader_status", ("holder", "a")));
        Assert.True(await ElectionHarness.EventuallyAsync(
            () => PrometheusText.Value(controllerB.MetricsAsync().GetAwaiter().GetResult(), "multiclusterlease_leader_status", Lease, Lock, ("holder", "b")) == 1,
            TimeSpan.FromSeconds(10)), "cluster-b's leader status is not 1");

        Assert.True(await ElectionHarness.EventuallyAsync(
            () => EventReasons(harness, "cluster-a").IsSupersetOf(["LeaderElected", "LockReleased"]) && EventReasons(harness, "cluster-b").Contains("LeaderElected"),
            TimeSpan.FromSeconds(10)), $"events: cluster-a {string.Join(',', EventReasons(harness, "cluster-a"))}, cluster-b {string.Join(',', EventReasons(harness, "cluster-b"))}");
        harness.Log.AssertSafe();
    }

    [Fact]
    public async Task Metrics_CountApiErrorsWatchRestartsAndBackendFailures_UnderTheDocumentedNames_AndReadinessFollowsTheWatchAndTheBackend()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var replicas = new ControllerReplicas(harness.Sandbox);
        var controller = await replicas.StartAsync("cluster-a", "replica-a", leaderElect: false);
        harness.StartElector("cluster-a", "a");
        Assert.True(await ElectionHarness.EventuallyAsync(() => harness.Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "a was not elected");
        Assert.Equal((200, "Healthy"), await controller.GetAsync("/readyz"));
        Assert.Equal((200, "Healthy"), await controller.GetAsync("/healthz"));
        var cluster = harness.Sandbox.Cluster("cluster-a");

        // The API server refuses two status writes.
        cluster.Faults.Add(new FaultRule { Caller = "(replica-a)", Method = "PATCH", PathContains = "/status", Action = FaultAction.Error, StatusCode = 500, RemainingCount = 2 });
        Assert.True(await EventuallyMetricsAsync(controller, text =>
            PrometheusText.Value(text, "multiclusterlease_kubernetes_api_errors_total", ("method", "PATCH"), ("code", "500")) >= 1
            && PrometheusText.Value(text, "multiclusterlease_reconcile_errors_total", Lease, ("reason", "kubernetes_api")) >= 1
            && PrometheusText.Value(text, "multiclusterlease_reconcile_duration_seconds_count", ("result", "error")) >= 1), "API errors were not counted");

        // The watch stream is cut once: the watcher reopens it, and counts a restart.
        cluster.Faults.Remove(cluster.Faults.Add(new FaultRule { Caller = "(replica-a)", PathContains = "watch=true", Action = FaultAction.Partition }));
        Assert.True(await EventuallyMetricsAsync(controller, text => PrometheusText.Value(text, "multiclusterlease_watch_restarts_total", ("resource", "multiclusterleases")) >= 1), "no watch restart counted");
        Assert.True(await ElectionHarness.EventuallyAsync(() => controller.GetAsync("/readyz").GetAwaiter().GetResult().Status == 200, TimeSpan.FromSeconds(10)), "not ready after the watch came back");

        // The bucket denies access: not ready, and the failures are counted; ready again once it heals.
        var deny = harness.Sandbox.Gcs.Faults.Add(new FaultRule { Caller = "(replica-a)", Action = FaultAction.Error, StatusCode = 403 });
        Assert.True(await ElectionHarness.EventuallyAsync(() => controller.GetAsync("/readyz").GetAwaiter().GetResult() == (503, "Unhealthy"), TimeSpan.FromSeconds(10)), "still ready while the backend fails");
        Assert.True(await EventuallyMetricsAsync(controller, text =>
            PrometheusText.Value(text, "multiclusterlease_reconcile_errors_total", Lease, ("reason", "backend")) >= 1
            && PrometheusText.Value(text, "multiclusterlease_gcs_requests_total", ("code", "403")) >= 1), "backend failures were not counted");
        harness.Sandbox.Gcs.Faults.Remove(deny);
        Assert.True(await ElectionHarness.EventuallyAsync(() => controller.GetAsync("/readyz").GetAwaiter().GetResult().Status == 200, TimeSpan.FromSeconds(10)), "not ready after the backend healed");
        Assert.Equal((200, "Healthy"), await controller.GetAsync("/healthz"));

        // Every family has been fed by now: exactly the documented names and types, with no unit or _total suffix
        // added twice, no otel_scope_* labels and no target_info family.
        var text = await controller.MetricsAsync();
        output.WriteLine(text);
        Assert.Equal(Families, PrometheusText.Types(text));
        var samples = PrometheusText.Parse(text);
        var sampleNames = Families
            .SelectMany(f => f.Value == "histogram" ? [f.Key + "_bucket", f.Key + "_sum", f.Key + "_count"] : new[] { f.Key })
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(samples, s => Assert.Contains(s.Name, sampleNames));
        Assert.DoesNotContain(samples, s => s.Labels.Keys.Any(k => k.StartsWith("otel_", StringComparison.Ordinal)));

        // What a Prometheus server asks for: OpenMetrics. Its counter families drop _total, the series keep it, and
        // counters and histograms gain the format's _created series; the series names are otherwise the same.
        var openMetrics = await controller.GetAsync("/metrics", "application/openmetrics-text;version=1.0.0");
        Assert.Equal(200, openMetrics.Status);
        Assert.EndsWith("# EOF\n", openMetrics.Body, StringComparison.Ordinal);
        var created = Families.Where(f => f.Value != "gauge").Select(f => (f.Key.EndsWith("_total", StringComparison.Ordinal) ? f.Key[..^"_total".Length] : f.Key) + "_created");
        Assert.Equal(
            samples.Select(s => s.Name).Distinct().Order(StringComparer.Ordinal),
            PrometheusText.Parse(openMetrics.Body).Select(s => s.Name).Distinct().Except(created).Order(StringComparer.Ordinal));
    }

    private static async Task<bool> EventuallyMetricsAsync(ControllerReplica controller, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (condition(await controller.MetricsAsync()))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition(await controller.MetricsAsync());
    }

    private static HashSet<string> EventReasons(ElectionHarness harness, string cluster)
        => harness.Sandbox.Cluster(cluster).ListObjects("", "v1", "events", ElectionHarness.Namespace)
            .Where(e => e["involvedObject"]?["name"]?.GetValue<string>() == ElectionHarness.LeaseName)
            .Select(e => e["reason"]?.GetValue<string>() ?? "")
            .ToHashSet(StringComparer.Ordinal);
}
