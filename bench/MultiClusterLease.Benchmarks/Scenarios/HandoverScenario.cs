using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 2. Graceful handover: the leader stops (cancel with release, what SIGTERM does in the sample app) and a candidate
/// in the other cluster leads. Measured from the stop to the follower's StartedLeading. Each run has its own lease;
/// <see cref="BenchSettings.HandoverParallel"/> run side by side. Two cases, by how long the follower has been running:
/// a fresh follower (started 1–2 retry periods before the stop, as in a rolling update) and a settled one (running for
/// longer than leaseDuration, so its controller no longer counts its first, refused signal as live).
/// </summary>
internal static class HandoverScenario
{
    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var timings = settings.Timings;
        await using var env = await BenchSandbox.StartAsync(settings, ["cluster-a", "cluster-b"], "handover");
        await env.StartControllerAsync("cluster-a");
        await env.StartControllerAsync("cluster-b");
        var metrics = new List<Metric>();
        metrics.AddRange(await RunCaseAsync(env, settings, "fresh", "fresh follower (started 1–2 retry periods before)", TimeSpan.Zero, cancellationToken));
        metrics.AddRange(await RunCaseAsync(env, settings, "settled", "settled follower (running > leaseDuration)", timings.Lease, cancellationToken));
        return metrics;
    }

    private static async Task<IReadOnlyList<Metric>> RunCaseAsync(BenchSandbox env, BenchSettings settings, string tag, string title, TimeSpan settle, CancellationToken cancellationToken)
    {
        var timings = settings.Timings;
        var runs = settings.HandoverRuns;
        var parallel = Math.Max(1, Math.Min(settings.HandoverParallel, runs));
        Say.Heading($"graceful handover, {title}: {runs} runs, {parallel} side by side, timings {timings}");
        var (handovers, releases, takeovers, failed) = await LeaderChangeRuns.RunAsync(
            env, timings, runs, parallel, settings.Seed, $"ho-{tag}", settle,
            leader => leader.StopAsync(),
            (state, _) => state.Holder.Length == 0,
            timings.Lease + timings.Retry + TimeSpan.FromSeconds(10),
            cancellationToken);

        Say.Line($"  handover: p50 {Stats.Percentile([.. handovers.Order()], 0.5):0} ms over {handovers.Count} runs ({failed} failed)");
        var common = settings.Common();
        common["timings"] = timings.ToString();
        common["clusters"] = 2;
        common["leasesSideBySide"] = parallel;
        common["follower"] = tag;
        var bound = (timings.RetryPeriod * 1000) + 500;
        return
        [
            Metric.FromSamples("handover", $"graceful handover, {title}", "ms", handovers, failed, common, $"p50 ≤ retryPeriod + 0.5 s = {bound} ms", m => m.P50 <= bound),
            Metric.FromSamples("handover", "  of which: stop → lock object released", "ms", releases, 0, common,
                note: "the release write waits until 1 s after the controller's last write of the object (GCS: about one write per second per object)"),
            Metric.FromSamples("handover", "  of which: released → other cluster leads", "ms", takeovers, 0, common,
                note: "the other cluster's controller sees the release at its next poll (every retryPeriod + 0–20 % jitter), then its candidate signals and is confirmed"),
        ];
    }
}
