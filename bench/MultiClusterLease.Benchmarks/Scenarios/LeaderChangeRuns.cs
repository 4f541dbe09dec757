using System.Diagnostics;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Testing;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// The measured loop shared by graceful handover and crash failover: per run, a leader in cluster-a on its own lease,
/// a follower in cluster-b that has seen it, a wait, the leader's end (stop or crash), then the times from that end to
/// the lock object's release and to the follower's StartedLeading. Runs go <c>parallel</c> side by side, each waiting
/// a random phase (from the seed) so that the ends fall at every point of the renewal cycle.
/// </summary>
internal static class LeaderChangeRuns
{
    /// <summary>The samples of one case, in milliseconds.</summary>
    public sealed record Samples(List<double> LeaderChanges, List<double> Releases, List<double> Takeovers, int Failed);

    /// <param name="env">The sandbox with both clusters' controllers running.</param>
    /// <param name="timings">The lease timings of every candidate.</param>
    /// <param name="runs">How many runs.</param>
    /// <param name="parallel">How many runs side by side.</param>
    /// <param name="seed">The seed of the phases.</param>
    /// <param name="tag">The lease name prefix.</param>
    /// <param name="settle">How long the follower runs before the leader ends, besides 1–2 retry periods.</param>
    /// <param name="end">Ends the leader (gracefully or not).</param>
    /// <param name="released">Whether the lock object, with the leader's identity, counts as released.</param>
    /// <param name="timeout">How long to wait for the release and for the follower to lead.</param>
    public static async Task<Samples> RunAsync(
        BenchSandbox env, LeaseTimings timings, int runs, int parallel, int seed, string tag, TimeSpan settle,
        Func<RunningElector, Task> end, Func<LockState, string, bool> released, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changes = new List<double>();
        var releases = new List<double>();
        var takeovers = new List<double>();
        var failed = 0;
        var gate = new Lock();
        var random = new Random(seed);
        for (var round = 0; round * parallel < runs; round++)
        {
            var inRound = Math.Min(parallel, runs - (round * parallel));
            var phases = Enumerable.Range(0, inRound).Select(_ => random.NextDouble()).ToArray();
            await Task.WhenAll(Enumerable.Range(0, inRound).Select(async k =>
            {
                var lease = $"{tag}-{round}-{k}";
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
                await Task.Delay(settle + (timings.Retry * (1 + phases[k])), cancellationToken);

                var endedAt = Stopwatch.GetTimestamp();
                var ending = end(leader);
                var releasedAt = BenchSandbox.WhenAsync(() => released(env.Lock(lockName), leader.Identity), timeout, 2, cancellationToken);
                var led = await AcquisitionScenario.WaitAsync(follower.Leading, timeout);
                await ending;
                var releasedTime = await releasedAt;
                lock (gate)
                {
                    if (led is { } at)
                    {
                        changes.Add(BenchSandbox.Milliseconds(endedAt, at));
                    }
                    else
                    {
                        failed++;
                        Say.Warn($"  {lease}: {follower.Identity} never led");
                    }

                    if (releasedTime is { } r)
                    {
                        releases.Add(BenchSandbox.Milliseconds(endedAt, r));
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

        return new Samples(changes, releases, takeovers, failed);
    }
}
