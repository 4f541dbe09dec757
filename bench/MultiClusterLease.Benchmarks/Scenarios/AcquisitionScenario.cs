using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;
using k8s;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 1. Acquisition: one uncontended candidate starts and leads. Measured from just before the elector starts to its
/// StartedLeading event. Two cases, run one after another on one controller:
/// a new lease (the candidate creates the CR; the controller adds its finalizer and creates the lock object), and an
/// existing lease whose lock was released (a restarted sole replica).
/// </summary>
internal static class AcquisitionScenario
{
    private const string Cluster = "cluster-a";

    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        Say.Heading($"acquisition: {settings.AcquisitionRuns} runs per case (+{settings.WarmupRuns} warm-up), timings {settings.Timings}");
        await using var env = await BenchSandbox.StartAsync(settings, [Cluster], "acquisition");
        await env.StartControllerAsync(Cluster);
        var admin = env.Api(Cluster, "bench-admin");
        var timings = settings.Timings;
        var timeout = TimeSpan.FromSeconds(timings.RetryPeriod * 5);

        // a) New lease: CR and lock object absent.
        var fresh = new List<double>();
        var freshFailed = 0;
        for (var i = -settings.WarmupRuns; i < settings.AcquisitionRuns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lease = $"acq-new-{i + settings.WarmupRuns}";
            var candidate = env.CreateCandidate(Cluster, $"{lease}-c", lease, timings);
            var startedAt = candidate.Start();
            var led = await WaitAsync(candidate.Leading, timeout);
            if (i >= 0)
            {
                if (led is { } at)
                {
                    fresh.Add(BenchSandbox.Milliseconds(startedAt, at));
                }
                else
                {
                    freshFailed++;
                }
            }

            await candidate.StopAsync();
            await candidate.DisposeAsync();

            // Delete the CR so the controller stops tracking it (finalizer: release, then removal) before the next run.
            await admin.CustomObjects.DeleteNamespacedCustomObjectAsync(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, BenchSandbox.Namespace, MultiClusterLeaseApi.Plural, lease, cancellationToken: cancellationToken);
            await BenchSandbox.WhenAsync(() => env.Lease(Cluster, lease) is null, TimeSpan.FromSeconds(10), 20, cancellationToken);
            await Task.Delay(200, cancellationToken);
        }

        Say.Line($"  new lease: p50 {Stats.Percentile([.. fresh.Order()], 0.5):0} ms over {fresh.Count} runs");

        // b) Existing lease, lock released: each run is a new replica of a restarted deployment.
        const string existing = "acq-existing";
        var restarted = new List<double>();
        var restartedFailed = 0;
        for (var i = -settings.WarmupRuns; i < settings.AcquisitionRuns; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Wait for the previous replica's release to be written and reported, and for the controller's one-write-per-second spacing.
            await BenchSandbox.WhenAsync(() => env.ReportedHolder(Cluster, existing) is null or "" && env.Lock(BenchSandbox.LockNameOf(existing)).Holder == "", TimeSpan.FromSeconds(10), 20, cancellationToken);
            await Task.Delay(1200, cancellationToken);

            var candidate = env.CreateCandidate(Cluster, $"{existing}-{i + settings.WarmupRuns}", existing, timings);
            var startedAt = candidate.Start();
            var led = await WaitAsync(candidate.Leading, timeout);
            if (i >= 0)
            {
                if (led is { } at)
                {
                    restarted.Add(BenchSandbox.Milliseconds(startedAt, at));
                }
                else
                {
                    restartedFailed++;
                }
            }

            await candidate.StopAsync();
            await candidate.DisposeAsync();
        }

        Say.Line($"  existing lease: p50 {Stats.Percentile([.. restarted.Order()], 0.5):0} ms over {restarted.Count} runs");

        var common = Settings(settings);
        const string goal = "p50 ≤ 300 ms";
        return
        [
            Metric.FromSamples("acquisition", "acquisition, new lease (CR and lock created)", "ms", fresh, freshFailed, common, goal, m => m.P50 <= 300),
            Metric.FromSamples("acquisition", "acquisition, existing lease (lock released)", "ms", restarted, restartedFailed, common, goal, m => m.P50 <= 300),
        ];
    }

    internal static async Task<long?> WaitAsync(Task<long> task, TimeSpan timeout)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static Dictionary<string, object?> Settings(BenchSettings settings)
    {
        var common = settings.Common();
        common["timings"] = settings.Timings.ToString();
        common["clusters"] = 1;
        common["warmupRuns"] = settings.WarmupRuns;
        return common;
    }
}
