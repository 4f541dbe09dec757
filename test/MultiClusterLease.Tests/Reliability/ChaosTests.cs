using System.Globalization;
using System.Text;
using MultiClusterLease.Tests.Integration;
using Xunit.Abstractions;

namespace MultiClusterLease.Tests.Reliability;

/// <summary>
/// Hunts for a second leader under randomized faults, in real time over real HTTP (sandbox servers and sockets): what
/// the deterministic simulation (test/MultiClusterLease.Simulation) cannot show. One seed runs in every
/// <c>make test</c> (the simulation runs 1,000 there); <c>make soak-realtime REALTIME_SEEDS=N</c> runs N more and writes
/// a report (see docs/reliability.md).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    public async Task Seed_KeepsEveryInvariant(int seed)
    {
        var result = await new ChaosScenario(seed).RunAsync();
        output.WriteLine($"faults: {string.Join(", ", result.Faults)}; time to leader after healing: {result.TimeToLeaderAfterHeal?.TotalSeconds:F2} s");
        output.WriteLine(result.Timeline);
        Assert.True(result.Ok, result.ToString());
    }

    /// <summary>
    /// <c>make soak-realtime REALTIME_SEEDS=N</c>: runs MCL_SOAK_SEEDS seeds (from MCL_SOAK_FIRST, default 1000) and writes MCL_SOAK_REPORT.
    /// Excluded from <c>make test</c> by its category.
    /// </summary>
    [Fact]
    [Trait("Category", "Soak")]
    public async Task Soak()
    {
        Assert.True(int.TryParse(Environment.GetEnvironmentVariable("MCL_SOAK_SEEDS"), out var seeds) && seeds > 0, "set MCL_SOAK_SEEDS (make soak-realtime REALTIME_SEEDS=N)");

        var first = int.TryParse(Environment.GetEnvironmentVariable("MCL_SOAK_FIRST"), out var f) ? f : 1000;
        var results = new List<ChaosResult>();
        for (var seed = first; seed < first + seeds; seed++)
        {
            var result = await new ChaosScenario(seed).RunAsync();
            results.Add(result);
            output.WriteLine(result.Ok ? $"seed {seed}: ok, leader {result.TimeToLeaderAfterHeal?.TotalSeconds:F2} s after healing" : result.ToString());
        }

        var report = Environment.GetEnvironmentVariable("MCL_SOAK_REPORT");
        if (!string.IsNullOrEmpty(report))
        {
            await File.WriteAllTextAsync(report, Report(results, first, seeds));
        }

        Assert.All(results, r => Assert.True(r.Ok, r.ToString()));
    }

    private static string Report(List<ChaosResult> results, int first, int seeds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Seeds {first}–{first + seeds - 1}: {results.Count} runs, {results.Count(r => !r.Ok)} with violations.");
        text.AppendLine();
        text.AppendLine("| fault | runs with it | violations |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            var runs = results.Where(r => r.Faults.Contains(kind)).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {runs.Count} | {runs.Sum(r => r.Violations.Count)} |");
        }

        var times = results.Where(r => r.TimeToLeaderAfterHeal is not null).Select(r => r.TimeToLeaderAfterHeal!.Value.TotalSeconds).Order().ToList();
        if (times.Count > 0)
        {
            double P(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Time to a leader after healing (s): min {times[0]:F2}, p50 {P(0.5):F2}, p90 {P(0.9):F2}, p99 {P(0.99):F2}, max {times[^1]:F2} ({times.Count} runs; 0 = a leader held through the heal).");
        }

        foreach (var failed in results.Where(r => !r.Ok))
        {
            text.AppendLine();
            text.AppendLine("```");
            text.AppendLine(failed.ToString());
            text.AppendLine("```");
        }

        return text.ToString();
    }
}
