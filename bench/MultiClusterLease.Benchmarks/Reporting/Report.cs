using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiClusterLease.Benchmarks.Infrastructure;
using Spectre.Console;

namespace MultiClusterLease.Benchmarks.Reporting;

/// <summary>The machine a run was made on: what bounds and colours every figure.</summary>
internal sealed record MachineInfo
{
    [JsonPropertyName("processors")]
    public int Processors { get; init; }

    [JsonPropertyName("cpu")]
    public string Cpu { get; init; } = "";

    [JsonPropertyName("memoryGiB")]
    public double MemoryGiB { get; init; }

    [JsonPropertyName("os")]
    public string Os { get; init; } = "";

    [JsonPropertyName("dotnet")]
    public string DotNet { get; init; } = "";

    [JsonPropertyName("loadAverageAtStart")]
    public string LoadAverageAtStart { get; init; } = "";

    [JsonPropertyName("loadAverageAtEnd")]
    public string? LoadAverageAtEnd { get; set; }

    public static MachineInfo Read() => new()
    {
        Processors = Environment.ProcessorCount,
        Cpu = ReadProc("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        MemoryGiB = Math.Round(ReadMemTotalKiB() / 1048576.0, 1),
        Os = RuntimeInformation.OSDescription,
        DotNet = RuntimeInformation.FrameworkDescription,
        LoadAverageAtStart = LoadAverage(),
    };

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string? ReadProc(string path, string key)
    {
        try
        {
            return File.ReadLines(path).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double ReadMemTotalKiB()
    {
        var text = ReadProc("/proc/meminfo", "MemTotal");
        return text is null ? 0 : double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

/// <summary>The results file and the console table.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteJsonAsync(string path, BenchSettings settings, MachineInfo machine, string command, TimeSpan duration, IReadOnlyList<Metric> metrics)
    {
        var document = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["generatedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["command"] = command,
            ["durationSeconds"] = Math.Round(duration.TotalSeconds),
            ["machine"] = machine,
            ["settings"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["gcsLatencyMs"] = settings.GcsLatencyMs,
                ["kubernetesLatencyMs"] = settings.KubernetesLatencyMs,
                ["timings"] = settings.Timings.ToString(),
                ["shortTimings"] = settings.ShortTimings.ToString(),
                ["scenarios"] = settings.Scenarios,
                ["acquisitionRuns"] = settings.AcquisitionRuns,
                ["warmupRuns"] = settings.WarmupRuns,
                ["handoverRuns"] = settings.HandoverRuns,
                ["handoverParallel"] = settings.HandoverParallel,
                ["failoverRuns"] = settings.FailoverRuns,
                ["failoverShortRuns"] = settings.FailoverShortRuns,
                ["failoverParallel"] = settings.FailoverParallel,
                ["costSeconds"] = settings.CostSeconds,
                ["scaleLeases"] = settings.ScaleLeases,
                ["scaleWarmupSeconds"] = settings.ScaleWarmupSeconds,
                ["scaleSeconds"] = settings.ScaleSeconds,
                ["scaleRealCandidates"] = settings.ScaleRealCandidates,
                ["controllerGc"] = settings.ControllerGc,
                ["controllerLogLevel"] = settings.ControllerLogLevel,
                ["controllerEnvironment"] = settings.ControllerEnvironment,
                ["quick"] = settings.Quick,
                ["seed"] = settings.Seed,
            },
            ["metrics"] = metrics,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, document, Json);
    }

    public static void PrintTable(IReadOnlyList<Metric> metrics)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("MultiClusterLease benchmarks");
        table.AddColumn("scenario");
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("p50").RightAligned());
        table.AddColumn(new TableColumn("p95").RightAligned());
        table.AddColumn("unit");
        table.AddColumn(new TableColumn("runs").RightAligned());
        table.AddColumn("goal");
        foreach (var metric in metrics)
        {
            var goal = metric.Goal is null ? "" : metric.GoalMet switch
            {
                true => $"[green]met[/] {Markup.Escape(metric.Goal)}",
                false => $"[red]MISSED[/] {Markup.Escape(metric.Goal)}",
                null => Markup.Escape(metric.Goal),
            };
            table.AddRow(
                Markup.Escape(metric.Scenario),
                Markup.Escape(metric.Name),
                Format(metric.P50, metric.Unit),
                !metric.IsDistribution ? "" : Format(metric.P95, metric.Unit),
                Markup.Escape(metric.Unit),
                metric.FailedRuns > 0 ? $"{metric.Runs} [red](+{metric.FailedRuns} failed)[/]" : metric.Runs.ToString(CultureInfo.InvariantCulture),
                goal);
        }

        AnsiConsole.Write(table);
    }

    /// <summary>The same table in Markdown, for docs/benchmarks.md.</summary>
    public static string Markdown(IReadOnlyList<Metric> metrics)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | metric | p50 | p95 | unit | runs | goal |");
        text.AppendLine("| --- | --- | ---: | ---: | --- | ---: | --- |");
        foreach (var metric in metrics)
        {
            var goal = metric.Goal is null ? "" : $"{(metric.GoalMet switch { true => "✅ met: ", false => "❌ missed: ", null => "" })}{metric.Goal}";
            var runs = metric.FailedRuns > 0 ? $"{metric.Runs} (+{metric.FailedRuns} failed)" : metric.Runs.ToString(CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {metric.Scenario} | {metric.Name.Trim()} | {Format(metric.P50, metric.Unit)} | {(!metric.IsDistribution ? "" : Format(metric.P95, metric.Unit))} | {metric.Unit} | {runs} | {goal} |");
        }

        return text.ToString();
    }

    private static string Format(double value, string unit)
    {
        if (!double.IsFinite(value))
        {
            return "n/a";
        }

        return unit switch
        {
            "ms" => value.ToString("N0", CultureInfo.InvariantCulture),
            "USD" => value.ToString("0.00", CultureInfo.InvariantCulture),
            "requests" when value >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
            "ratio" or "cores" or "requests" or "requests/s" => value.ToString(value < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture),
            _ => value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture),
        };
    }
}
