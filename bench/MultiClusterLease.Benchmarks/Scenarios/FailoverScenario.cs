using System.Diagnostics;
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
        var failovers = new List<double>();
        var releases = new List<double>();
        var takeovers = new List<double>();
        var failed = 0;
        var gate = new Lock();
        var random = new Random(settings.Seed);
        for (var round = 0; round * parallel < runs; round++)
        {
            var inRound = Math.Min(parallel, runs - (round * parallel));
            var delays = Enumerable.Range(0, inRound).Select(_ => random.NextDouble()).ToArray();
            await Task.WhenAll(Enumerable.Range(0, inRound).Select(async k =>
            {
                var lease = $"fo-{tag}-{round}-{k}";
                var lockName = BenchSandbox.LockNameOf(lease);
                await Task.Delay(k * 100, cancellationToken);
                var leader = env.CreateCandidate("cluster-a", $"{lease}-a", lease, timings);
                leader.Start();
                if (await AcquisitionScenario.WaitAsync(leader.Leading, TimeSpan.FromSeconds(30)) is null)
                {
                    Say.Warn($"  {lease}: the leader never led");
                    lock (gate)
                    {
                        failed++;
                    }

                    return;
                }

                var follower = env.CreateCandidate("cluster-b", $"{lease}-b", lease, timings);
                follower.Start();
                await BenchSandbox.WhenAsync(() => follower.Elector.CurrentLeader == leader.Identity, TimeSpan.FromSeconds(30), 20, cancellationToken);
                await Task.Delay(timings.Retry * (1 + delays[k]), cancellationToken);

                var crashedAt = Stopwatch.GetTimestamp();
                await leader.CrashAsync();
                var released = BenchSandbox.WhenAsync(() => env.Lock(lockName).Holder != leader.Identity, timings.Lease + timings.Retry + TimeSpan.FromSeconds(15), 5, cancellationToken);
                var led = await AcquisitionScenario.WaitAsync(follower.Leading, timings.Lease + timings.Retry + TimeSpan.FromSeconds(15));
                var releasedAt = await released;
                lock (gate)
                {
                    if (led is { } at)
                    {
                        failovers.Add(BenchSandbox.Milliseconds(crashedAt, at));
                    }
                    else
                    {
                        failed++;
                        Say.Warn($"  {lease}: no failover to {follower.Identity}");
                    }

                    if (releasedAt is { } r)
                    {
                        releases.Add(BenchSandbox.Milliseconds(crashedAt, r));
                        if (led is { } l)
                        {
                            takeovers.Add(BenchSandbox.Milliseconds(r, l));
                        }
                    }
                }

                await follower.StopAsync();
                await leader.DisposeAsync();
                await follower.DisposeAsync();
            }));
        }

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
