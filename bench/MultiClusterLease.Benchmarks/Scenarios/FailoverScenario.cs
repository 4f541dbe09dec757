using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 3. Crash failover: the leader's process dies and a candidate in the other cluster leads. The crash is simulated in
/// process: the elector is cancelled without release and the candidate disposed, so it makes no further API call (its
/// cluster's controller keeps running, as it would when only the candidate's pod dies). Measured from the crash to the
/// follower's StartedLeading. Each run has its own lease; <see cref="BenchSettings.FailoverParallel"/> run side by side,
/// each crashing at a random phase (1–2 retry periods after the follower saw the leader).
/// </summary>
internal static class FailoverScenario
{
    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        await using var env = await BenchSandbox.StartAsync(settings, ["cluster-a", "cluster-b"], "failover");
        await env.StartControllerAsync("cluster-a");
        await env.StartControllerAsync("cluster-b");
        foreach (var (timings, runs, tag) in new[] { (settings.Timings, settings.FailoverRuns, "default"), (settings.ShortTimings, settings.FailoverShortRuns, "short") })
        {
            if (runs <= 0)
            {
                continue;
            }

            metrics.AddRange(await RunTimingsAsync(env, settings, timings, runs, tag, cancellationToken));
        }

        return metrics;
    }

    private static async Task<IReadOnlyList<Metric>> RunTimingsAsync(BenchSandbox env, BenchSettings settings, LeaseTimings timings, int runs, string tag, CancellationToken cancellationToken)
    {
        var parallel = Math.Max(1, Math.Min(settings.FailoverParallel, runs));
        Say.Heading($"crash failover ({tag} timings {timings}): {runs} runs, {parallel} side by side");
        var (failovers, releases, takeovers, failed) = await LeaderChangeRuns.RunAsync(
            env, timings, runs, parallel, settings.Seed, $"fo-{tag}", TimeSpan.Zero,
            leader => leader.CrashAsync(),
            (state, leader) => state.Holder != leader,
            timings.Lease + timings.Retry + TimeSpan.FromSeconds(15),
            cancellationToken);

        var boundMs = (timings.LeaseDuration + timings.RetryPeriod) * 1000.0;
        var ratios = failovers.Select(f => f / boundMs).ToList();
        Say.Line($"  failover: p50 {Stats.Percentile([.. failovers.Order()], 0.5):0} ms, ratio p50 {Stats.Percentile([.. ratios.Order()], 0.5):0.00} over {failovers.Count} runs ({failed} failed)");
        var common = settings.Common();
        common["timings"] = timings.ToString();
        common["clusters"] = 2;
        common["leasesSideBySide"] = parallel;
        var goalMs = boundMs + 1000;
        return
        [
            Metric.FromSamples("failover", $"crash failover, {tag} timings {timings}", "ms", failovers, failed, common,
                $"≤ leaseDuration + retryPeriod + 1 s = {goalMs:0} ms (every run)", m => m.Max <= goalMs),
            Metric.FromSamples("failover", $"  as a ratio to leaseDuration + retryPeriod ({boundMs / 1000:0} s)", "ratio", ratios, failed, common),
            Metric.FromSamples("failover", "  of which: crash → lock released or taken", "ms", releases, 0, common,
                note: "the crashed candidate's own controller releases the lock once the candidate has not signalled for leaseDuration"),
            Metric.FromSamples("failover", "  of which: released → other cluster leads", "ms", takeovers, 0, common,
                note: "the other cluster's controller sees the release at its next poll (every retryPeriod + 0–20 % jitter), then its candidate signals and is confirmed"),
        ];
    }
}
