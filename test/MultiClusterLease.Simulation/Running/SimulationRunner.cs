using System.Diagnostics;
using System.Globalization;
using System.Text;
using MultiClusterLease.Simulation.Faults;

namespace MultiClusterLease.Simulation.Running;

/// <summary>What a batch of seeds found.</summary>
internal sealed record BatchReport(
    int FirstSeed,
    int Count,
    IReadOnlyList<SimulationResult> Failures,
    IReadOnlyDictionary<FaultKind, int> FaultMix,
    TimeSpan Elapsed,
    TimeSpan CpuTime,
    TimeSpan SimulatedTime,
    long Steps,
    TimeSpan? WorstTimeToLeader)
{
    public double SeedsPerSecond => Count / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public string ToMarkdown(string title)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {title}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"- seeds: {Count} ({FirstSeed}–{FirstSeed + Count - 1}), violations: {Failures.Count} seed(s)\n");
        text.Append(CultureInfo.InvariantCulture, $"- wall time: {Elapsed.TotalSeconds:F1} s ({SeedsPerSecond:F1} schedules/s); CPU time: {CpuTime.TotalSeconds:F1} s ({Count / Math.Max(CpuTime.TotalSeconds, 1e-9):F1} schedules per CPU-second)\n");
        text.Append(CultureInfo.InvariantCulture, $"- simulated time: {SimulatedTime.TotalHours:F1} h in {Steps:N0} scheduler steps\n");
        text.Append(CultureInfo.InvariantCulture, $"- worst time to a leader after healing: {(WorstTimeToLeader is { } w ? $"{w.TotalSeconds:F2} s" : "n/a")}\n\n");
        text.Append("| fault | injected |\n|---|---:|\n");
        foreach (var (kind, count) in FaultMix.OrderBy(k => k.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {kind} | {count} |\n");
        }

        foreach (var failure in Failures.Take(5))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## seed {failure.Seed}\n\n```\n{string.Join("\n", failure.Violations)}\n```\n");
        }

        return text.ToString();
    }
}

/// <summary>Runs seeds (in parallel, one world per thread), shrinks failures, and formats what a failing seed needs for a replay.</summary>
internal static class SimulationRunner
{
    /// <summary>Runs seeds <paramref name="firstSeed"/>.. on dedicated threads, one world at a time per thread.</summary>
    public static BatchReport RunBatch(int firstSeed, int count, SimulationSettings? settings = null, int? parallelism = null)
    {
        var results = new SimulationResult[count];
        var next = -1;
        var threads = Math.Max(1, Math.Min(parallelism ?? Environment.ProcessorCount, count));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                results[index] = SimulatedWorld.Run(firstSeed + index, settings);
            }
        }, 16 * 1024 * 1024)).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        clock.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        var mix = Enum.GetValues<FaultKind>().ToDictionary(k => k, _ => 0);
        foreach (var fault in results.SelectMany(r => r.Faults))
        {
            mix[fault.Kind]++;
        }

        return new BatchReport(
            firstSeed,
            count,
            results.Where(r => !r.Ok).ToList(),
            mix,
            clock.Elapsed,
            cpu,
            TimeSpan.FromTicks(results.Sum(r => r.SimulatedTime.Ticks)),
            results.Sum(r => r.Steps),
            results.Max(r => r.TimeToLeaderAfterHeal));
    }

    /// <summary>The command that replays a result exactly (with its shrunk fault schedule).</summary>
    public static string ReplayCommand(SimulationResult result, SimulationSettings settings, IReadOnlySet<int>? keep)
    {
        var faults = keep is null ? "" : $" --faults {string.Join(',', keep.Order())}";
        var broken = settings.BrokenTakeOverAfterRenewDeadline ? " --broken" : "";
        return $"make simulate SEED={result.Seed} ARGS=\"{faults.Trim()}{broken}\"";
    }

    /// <summary>Describes a failure: violations, replay command, shrunk trace.</summary>
    public static string Describe(SimulationResult failing, SimulationSettings? settings = null)
    {
        settings ??= SimulationSettings.Default;
        var shrunk = Shrink(failing, settings, out var keep);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {failing.Seed}: {failing.Violations.Count} violation(s)\n  {string.Join("\n  ", failing.Violations)}\n");
        text.Append(CultureInfo.InvariantCulture, $"shrunk to {shrunk.Faults.Count} of {failing.Faults.Count} faults: {string.Join("; ", shrunk.Faults)}\n");
        text.Append(CultureInfo.InvariantCulture, $"replay: {ReplayCommand(shrunk, settings, keep)}\n");
        text.Append("trace of the shrunk run:\n").Append(shrunk.Trace);
        return text.ToString();
    }

    /// <summary>
    /// Drops faults from a failing run's schedule (a run of the whole schedule), one at a time, as long as it still
    /// fails; every try is a deterministic re-run of the same seed.
    /// </summary>
    public static SimulationResult Shrink(SimulationResult failing, SimulationSettings settings, out IReadOnlySet<int> keep)
    {
        var kept = Enumerable.Range(0, failing.Faults.Count).ToHashSet();
        var best = failing;
        foreach (var index in kept.ToList())
        {
            var candidate = kept.Where(i => i != index).ToHashSet();
            var result = SimulatedWorld.Run(failing.Seed, settings with { KeepFaults = candidate });
            if (!result.Ok)
            {
                kept = candidate;
                best = result;
            }
        }

        keep = kept;
        return best;
    }
}
