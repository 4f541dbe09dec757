using System.Diagnostics;
using System.Globalization;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 4. Cost and 6. client cost. A leader in cluster-a and a follower in cluster-b hold one lock at the default timings;
/// after a warm-up, every request is counted at the fake servers (by User-Agent) for a window. Renewals are counted at
/// the leading candidate (its confirmed answers), so "per renewal" divides two independent counts. A follower poll is
/// one period of the follower controller's timer (retryPeriod plus 10 % mean jitter): requests beyond one per period
/// are reads that something other than the timer triggered.
/// </summary>
internal static class CostScenario
{
    /// <summary>GCS list prices (Standard storage): Class A (objects.insert) and Class B (objects.get), USD per 1,000 operations.</summary>
    public const double ClassAPer1000 = 0.005;
    public const double ClassBPer1000 = 0.0004;

    /// <summary>A month of 30 days.</summary>
    public const double SecondsPerMonth = 30 * 24 * 3600;

    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var timings = settings.Timings;
        Say.Heading($"cost: one lock, leader in cluster-a, follower in cluster-b, timings {timings}, {settings.CostSeconds} s counted");
        await using var env = await BenchSandbox.StartAsync(settings, ["cluster-a", "cluster-b"], "cost");
        var controllerA = await env.StartControllerAsync("cluster-a");
        var controllerB = await env.StartControllerAsync("cluster-b");
        var leader = env.CreateCandidate("cluster-a", "cost-a", "cost", timings);
        leader.Start();
        if (await AcquisitionScenario.WaitAsync(leader.Leading, TimeSpan.FromSeconds(30)) is null)
        {
            throw new InvalidOperationException("cost: the leader never led");
        }

        var follower = env.CreateCandidate("cluster-b", "cost-b", "cost", timings);
        follower.Start();
        await BenchSandbox.WhenAsync(() => follower.Elector.CurrentLeader == leader.Identity, TimeSpan.FromSeconds(30), 20, cancellationToken);
        await Task.Delay(timings.Lease / 2, cancellationToken);

        env.ResetCounts();
        env.Renewals(leader).Reset();
        controllerA.Backend.Reset();
        controllerB.Backend.Reset();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(settings.CostSeconds), cancellationToken);
        var gcs = env.GcsCounts();
        var kubeA = env.KubernetesCounts("cluster-a");
        var kubeB = env.KubernetesCounts("cluster-b");
        var renewals = env.Renewals(leader).Confirmed;
        var polls = controllerB.Backend.Reads;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var lostLeadership = leader.LostLeadership;
        await follower.StopAsync();
        await leader.StopAsync();

        bool IsWatch(string kind) => kind.StartsWith("WATCH", StringComparison.Ordinal);
        long Gcs(InProcessController c, string? kind = null)
            => BenchSandbox.Count(gcs, ua => BenchSandbox.IsAgent(ua, c.UserAgent), k => kind is null || k.StartsWith(kind + " ", StringComparison.Ordinal));

        var leaderReads = Gcs(controllerA, "read");
        var leaderWrites = Gcs(controllerA, "write");
        var followerReads = Gcs(controllerB, "read");
        var followerWrites = Gcs(controllerB, "write");
        var leaderGcs = Gcs(controllerA);
        var followerGcs = Gcs(controllerB);
        var candidateA = BenchSandbox.CandidateAgent(leader.Identity);
        var candidateB = BenchSandbox.CandidateAgent(follower.Identity);
        var candidateRequests = BenchSandbox.Count(kubeA, ua => ua == candidateA, k => !IsWatch(k));
        var candidateWatches = BenchSandbox.Count(kubeA, ua => ua == candidateA, IsWatch);
        var followerCandidateRequests = BenchSandbox.Count(kubeB, ua => ua == candidateB, k => !IsWatch(k));
        var controllerARequests = BenchSandbox.Count(kubeA, ua => ua == controllerA.UserAgent, k => !IsWatch(k));
        var controllerBRequests = BenchSandbox.Count(kubeB, ua => ua == controllerB.UserAgent, k => !IsWatch(k));

        static string Describe(Dictionary<string, long> breakdown)
            => string.Join(", ", breakdown.OrderByDescending(p => p.Value).Select(p => $"{p.Key}: {p.Value}"));

        Say.Line($"  {renewals} renewals, {polls} follower polls in {seconds:0.0} s; leader controller GCS {Describe(BenchSandbox.Breakdown(gcs, controllerA.UserAgent))}; follower controller GCS {Describe(BenchSandbox.Breakdown(gcs, controllerB.UserAgent))}");
        Say.Line($"  candidate (leader) API: {Describe(BenchSandbox.Breakdown(kubeA, candidateA))}; controller-a API: {Describe(BenchSandbox.Breakdown(kubeA, controllerA.UserAgent))}; controller-b API: {Describe(BenchSandbox.Breakdown(kubeB, controllerB.UserAgent))}");
        if (lostLeadership > 0)
        {
            Say.Warn($"  the leader lost leadership {lostLeadership} time(s) during the window");
        }

        var common = settings.Common();
        common["timings"] = timings.ToString();
        common["windowSeconds"] = Math.Round(seconds, 1);
        common["clusters"] = 2;
        var perRenewal = renewals == 0 ? double.NaN : leaderGcs / (double)renewals;
        // The follower controller polls on a timer of retryPeriod plus up to 20 % jitter (ElectionOptions.JitterFactor): 1.1 × retryPeriod on average.
        var pollPeriod = timings.RetryPeriod * 1.1;
        var timerPolls = seconds / pollPeriod;
        var perPoll = followerGcs / timerPolls;

        // Rates per second of each role; a lock costs one leader controller plus one follower controller per other cluster.
        var leaderA = leaderWrites / seconds;
        var leaderB = leaderReads / seconds;
        var followerA = followerWrites / seconds;
        var followerB = followerReads / seconds;
        var metrics = new List<Metric>
        {
            Metric.FromValue("cost", "GCS requests per leader renewal", "requests", perRenewal, (int)renewals, common, "1 request per renewal", Math.Abs(perRenewal - 1) < 0.05,
                $"{leaderWrites} writes + {leaderReads} reads by the leader's controller for {renewals} renewals confirmed to the candidate"),
            Metric.FromValue("cost", "GCS requests per follower poll", "requests", perPoll, (int)polls, common, note:
                $"ideally 1. {followerReads} reads + {followerWrites} writes by the follower's controller in {seconds:0} s, one every {seconds / Math.Max(followerGcs, 1):0.00} s, against one timer poll every {pollPeriod:0.0} s (retryPeriod + 10 % mean jitter); its backend saw {polls} reads"),
            Metric.FromValue("cost", "leader renewal interval", "s", renewals == 0 ? double.NaN : seconds / renewals, (int)renewals, common, note: "retryPeriod + the round trip of one confirmation"),
        };
        foreach (var clusters in new[] { 2, 3 })
        {
            var classA = (leaderA + ((clusters - 1) * followerA)) * SecondsPerMonth;
            var classB = (leaderB + ((clusters - 1) * followerB)) * SecondsPerMonth;
            var dollars = (classA * ClassAPer1000 / 1000) + (classB * ClassBPer1000 / 1000);
            var settingsN = new Dictionary<string, object?>(common, StringComparer.Ordinal) { ["clusters"] = clusters };
            var note = string.Create(CultureInfo.InvariantCulture, $"{classA:N0} Class A (writes) + {classB:N0} Class B (reads) per 30-day month; {(clusters == 2 ? "measured" : "the third cluster's controller polls like the measured follower")}");
            metrics.Add(Metric.FromValue("cost", $"GCS requests per lock-month, {clusters} clusters", "requests", classA + classB, (int)renewals, settingsN, note: note));
            metrics.Add(Metric.FromValue("cost", $"GCS cost per lock-month, {clusters} clusters", "USD", dollars, (int)renewals, settingsN, note: $"Class A ${ClassAPer1000}/1,000, Class B ${ClassBPer1000}/1,000 (list prices)"));
        }

        metrics.Add(Metric.FromValue("client", "candidate API requests per renewal (leader)", "requests", renewals == 0 ? double.NaN : candidateRequests / (double)renewals, (int)renewals, common, note:
            $"{Describe(BenchSandbox.Breakdown(kubeA, candidateA))} in {seconds:0} s, not counting its one watch stream ({candidateWatches} opened)"));
        metrics.Add(Metric.FromValue("client", "candidate API requests per second (follower)", "requests/s", followerCandidateRequests / seconds, (int)polls, common, note: "a follower only watches its CR"));
        metrics.Add(Metric.FromValue("client", "controller API requests per renewal (leader's cluster)", "requests", renewals == 0 ? double.NaN : controllerARequests / (double)renewals, (int)renewals, common, note:
            $"{Describe(BenchSandbox.Breakdown(kubeA, controllerA.UserAgent))}: one status write per renewal answers the candidate"));
        metrics.Add(Metric.FromValue("client", "controller API requests per second (follower's cluster)", "requests/s", controllerBRequests / seconds, (int)polls, common, note:
            $"{Describe(BenchSandbox.Breakdown(kubeB, controllerB.UserAgent))}: status refreshes at most every leaseDuration/3"));
        return metrics;
    }
}
