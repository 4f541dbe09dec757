using System.Globalization;

namespace MultiClusterLease.Simulation.Running;

/// <summary>
/// The simulation's command line: <c>replay SEED [--faults 0,2] [--broken]</c> prints one run's trace;
/// <c>soak COUNT [--from SEED] [--report PATH]</c> runs a batch and writes the report (make soak).
/// </summary>
internal static class SimulationCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        if (args.Length >= 2 && args[0] == "replay" && int.TryParse(args[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
        {
            var settings = new SimulationSettings
            {
                BrokenTakeOverAfterRenewDeadline = args.Contains("--broken"),
                KeepFaults = Option(args, "--faults") is { } faults
                    ? faults.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToHashSet()
                    : null,
            };
            var result = SimulatedWorld.Run(seed, settings);
            output.Write(result.Trace);
            output.WriteLine(result.Ok ? $"seed {seed}: ok" : $"seed {seed}: {result.Violations.Count} violation(s)\n  {string.Join("\n  ", result.Violations)}");
            return result.Ok ? 0 : 1;
        }

        if (args.Length >= 2 && args[0] == "soak" && int.TryParse(args[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
        {
            var from = Option(args, "--from") is { } f ? int.Parse(f, CultureInfo.InvariantCulture) : 1_000_000;
            var report = SimulationRunner.RunBatch(from, count);
            var text = report.ToMarkdown($"Simulated soak: {count} seeds from {from}");
            foreach (var failure in report.Failures.Take(3))
            {
                text += "\n```\n" + SimulationRunner.Describe(failure) + "```\n";
            }

            if (Option(args, "--report") is { } path)
            {
                File.WriteAllText(path, text);
            }

            output.Write(text);
            return report.Failures.Count == 0 ? 0 : 1;
        }

        output.WriteLine("usage: replay SEED [--faults 0,2] [--broken] | soak COUNT [--from SEED] [--report PATH]");
        return 2;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
