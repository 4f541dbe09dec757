using System.Diagnostics;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 2. Graceful handover: the leader stops (cancel with release, what SIGTERM does in the sample app) and a candidate
/// in the other cluster leads. Measured from the stop to the follower's StartedLeading. Independent leases run side by
/// side (<see cref="BenchSettings.HandoverParallel"/>), each alternating its leader between the two clusters; before
/// each stop the follower has seen the leader and a random 1–2 retry periods pass, so the stop falls at a random phase
/// of the controllers' polling.
/// </summary>
internal static class HandoverScenario
{
    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var timings = settings.Timings;
        var parallel = Math.Max(1, Math.Min(settings.HandoverParallel, settings.HandoverRuns));
        Say.Heading($"graceful handover: {settings.HandoverRuns} runs on {parallel} leases side by side, timings {timings}");
        await using var env = await BenchSandbox.StartAsync(settings, ["cluster-a", "cluster-b"], "handover");
        await env.StartControllerAsync("cluster-a");
        await env.StartControllerAsync("cluster-b");

        var handovers = new List<double>();
        var releases = new List<double>();
        var failed = 0;
        var gate = new Lock();
        var perPair = Enumerable.Range(0, parallel).Select(k => (settings.HandoverRuns / parallel) + (k < settings.HandoverRuns % parallel ? 1 : 0)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async k =>
        {
            await Task.Delay(k * 150, cancellationToken);
            var random = new Random(settings.Seed + k);
            var lease = $"ho-{k}";
            var lockName = BenchSandbox.LockNameOf(lease);
            var leader = env.CreateCandidate("cluster-a", $"{lease}-0", lease, timings);
            leader.Start();
            if (await AcquisitionScenario.WaitAsync(leader.Leading, TimeSpan.FromSeconds(30)) is null)
            {
                Say.Warn($"  {lease}: the first leader never led");
                lock (gate)
                {
                    failed += perPair[k];
                }

                return;
            }

            for (var run = 1; run <= perPair[k]; run++)
            {
                var cluster = leader.Cluster == "cluster-a" ? "cluster-b" : "cluster-a";
                var follower = env.CreateCandidate(cluster, $"{lease}-{run}", lease, timings);
                follower.Start();
                await BenchSandbox.WhenAsync(() => follower.Elector.CurrentLeader == leader.Identity, TimeSpan.FromSeconds(30), 20, cancellationToken);
                await Task.Delay(timings.Retry * (1 + random.NextDouble()), cancellationToken);

                var stoppedAt = Stopwatch.GetTimestamp();
                var stopping = leader.StopAsync();
                var released = BenchSandbox.WhenAsync(() => env.Lock(lockName).Holder.Length == 0, timings.Lease + TimeSpan.FromSeconds(5), 2, cancellationToken);
                var led = await AcquisitionScenario.WaitAsync(follower.Leading, timings.Lease + timings.Retry + TimeSpan.FromSeconds(10));
                await stopping;
                var releasedAt = await released;
                await leader.DisposeAsync();
                lock (gate)
                {
                    if (led is { } at)
                    {
                        handovers.Add(BenchSandbox.Milliseconds(stoppedAt, at));
                    }
                    else
                    {
                        failed++;
                    }

                    if (releasedAt is { } r)
                    {
                        releases.Add(BenchSandbox.Milliseconds(stoppedAt, r));
                    }
                }

                if (led is null)
                {
                    Say.Warn($"  {lease}: no handover to {follower.Identity}");
                    await follower.DisposeAsync();
                    return;
                }

                leader = follower;
            }

            await leader.StopAsync();
        }));

        Say.Line($"  handover: p50 {Stats.Percentile([.. handovers.Order()], 0.5):0} ms over {handovers.Count} runs ({failed} failed)");
        var common = settings.Common();
        common["timings"] = timings.ToString();
        common["clusters"] = 2;
        common["leasesSideBySide"] = parallel;
        var bound = (timings.RetryPeriod * 1000) + 500;
        return
        [
            Metric.FromSamples("handover", "graceful handover (stop → other cluster leads)", "ms", handovers, failed, common, $"p50 ≤ retryPeriod + 0.5 s = {bound} ms", m => m.P50 <= bound),
            Metric.FromSamples("handover", "  of which: stop → lock object released", "ms", releases, 0, common),
        ];
    }
}
