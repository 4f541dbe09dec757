using System.Text.Json.Serialization;

namespace MultiClusterLease.Benchmarks.Reporting;

/// <summary>
/// One measured figure. Timings carry their distribution (p50, p95 over <see cref="Runs"/> runs); counted figures
/// (requests, dollars, cores) carry one value, repeated as p50 and p95 so every object has the same shape.
/// </summary>
internal sealed record Metric
{
    [JsonPropertyName("scenario")]
    public required string Scenario { get; init; }

    [JsonPropertyName("metric")]
    public required string Name { get; init; }

    [JsonPropertyName("unit")]
    public required string Unit { get; init; }

    [JsonPropertyName("p50")]
    public double P50 { get; init; }

    [JsonPropertyName("p95")]
    public double P95 { get; init; }

    [JsonPropertyName("min")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Min { get; init; }

    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Max { get; init; }

    [JsonPropertyName("mean")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Mean { get; init; }

    /// <summary>Gets how many runs (timings) or observations (counted figures) the value rests on.</summary>
    [JsonPropertyName("runs")]
    public int Runs { get; init; }

    /// <summary>Gets runs that did not finish within their timeout (not included in the percentiles).</summary>
    [JsonPropertyName("failedRuns")]
    public int FailedRuns { get; init; }

    [JsonPropertyName("goal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Goal { get; init; }

    [JsonPropertyName("goalMet")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? GoalMet { get; init; }

    [JsonPropertyName("note")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }

    [JsonPropertyName("settings")]
    public Dictionary<string, object?> Settings { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Gets every sample, for distributions of at most <see cref="MaxSamples"/> runs (larger ones keep their percentiles only).</summary>
    [JsonPropertyName("samples")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? Samples { get; init; }

    /// <summary>Gets whether this is a distribution over runs (p95 meaningful) rather than one counted value.</summary>
    [JsonIgnore]
    public bool IsDistribution { get; init; }

    public const int MaxSamples = 200;

    /// <summary>A distribution metric from samples.</summary>
    public static Metric FromSamples(string scenario, string name, string unit, IReadOnlyList<double> samples, int failed, Dictionary<string, object?> settings, string? goal = null, Func<Metric, bool>? goalMet = null, string? note = null)
    {
        var sorted = samples.Order().ToArray();
        var metric = new Metric
        {
            Scenario = scenario,
            Name = name,
            Unit = unit,
            P50 = Round(Stats.Percentile(sorted, 0.50)),
            P95 = Round(Stats.Percentile(sorted, 0.95)),
            Min = sorted.Length == 0 ? null : Round(sorted[0]),
            Max = sorted.Length == 0 ? null : Round(sorted[^1]),
            Mean = sorted.Length == 0 ? null : Round(sorted.Average()),
            Runs = sorted.Length,
            FailedRuns = failed,
            Goal = goal,
            Note = note,
            Settings = settings,
            Samples = samples.Count <= MaxSamples ? samples.Select(Round).ToArray() : null,
            IsDistribution = true,
        };
        return goalMet is null || sorted.Length == 0 ? metric : metric with { GoalMet = failed == 0 && goalMet(metric) };
    }

    /// <summary>A single-valued metric.</summary>
    public static Metric FromValue(string scenario, string name, string unit, double value, int observations, Dictionary<string, object?> settings, string? goal = null, bool? goalMet = null, string? note = null) => new()
    {
        Scenario = scenario,
        Name = name,
        Unit = unit,
        P50 = Round(value),
        P95 = Round(value),
        Runs = observations,
        Goal = goal,
        GoalMet = goalMet,
        Note = note,
        Settings = settings,
    };

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, value is > -10 and < 10 ? 6 : 3) : value;
}

internal static class Stats
{
    /// <summary>The percentile of sorted values, linear interpolation between closest ranks (the "R-7" / Excel definition); NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
