using System.Globalization;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>A lease's timings in whole seconds (leaseDuration / renewDeadline / retryPeriod).</summary>
internal sealed record LeaseTimings(int LeaseDuration, int RenewDeadline, int RetryPeriod)
{
    public static LeaseTimings Default { get; } = new(15, 10, 2);

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseDuration);

    public TimeSpan Renew => TimeSpan.FromSeconds(RenewDeadline);

    public TimeSpan Retry => TimeSpan.FromSeconds(RetryPeriod);

    /// <summary>Parses <c>15/10/2</c>.</summary>
    public static LeaseTimings Parse(string text)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"timings '{text}' must be LEASE/RENEW/RETRY in whole seconds, e.g. 15/10/2");
        }

        var values = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new LeaseTimings(values[0], values[1], values[2]);
    }

    /// <summary>The validity rules of the product (DESIGN §5); null when valid.</summary>
    public string? Problem()
        => RetryPeriod < 2 ? "retryPeriod must be at least 2 s"
            : LeaseDuration <= RenewDeadline + (2 * RetryPeriod) ? $"leaseDuration must be greater than renewDeadline + 2 × retryPeriod ({RenewDeadline + (2 * RetryPeriod)} s)"
            : null;

    public override string ToString() => $"{LeaseDuration}/{RenewDeadline}/{RetryPeriod}";
}

/// <summary>Everything a run is configured with; copied into results.json.</summary>
internal sealed record BenchSettings
{
    public static readonly string[] AllScenarios = ["acquisition", "handover", "failover", "cost", "scale", "sharding"];

    public required string RepoRoot { get; init; }

    public int GcsLatencyMs { get; init; } = 50;

    public int KubernetesLatencyMs { get; init; } = 5;

    public IReadOnlyList<string> Scenarios { get; init; } = AllScenarios;

    public LeaseTimings Timings { get; init; } = LeaseTimings.Default;

    public LeaseTimings ShortTimings { get; init; } = new(8, 3, 2);

    public int AcquisitionRuns { get; init; } = 20;

    public int WarmupRuns { get; init; } = 2;

    public int HandoverRuns { get; init; } = 20;

    public int HandoverParallel { get; init; } = 10;

    public int FailoverRuns { get; init; } = 20;

    public int FailoverShortRuns { get; init; } = 20;

    public int FailoverParallel { get; init; } = 10;

    public int CostSeconds { get; init; } = 60;

    public IReadOnlyList<int> ScaleLeases { get; init; } = [100, 1000];

    public int ScaleWarmupSeconds { get; init; } = 20;

    public int ScaleSeconds { get; init; } = 60;

    public int ScaleRealCandidates { get; init; } = 3;

    public required string ControllerDll { get; init; }

    public string ControllerGc { get; init; } = "default";

    /// <summary>Gets the controller's log level (Logging__LogLevel__Default); null = as shipped (Information, one line per lock write).</summary>
    public string? ControllerLogLevel { get; init; }

    /// <summary>Gets extra environment variables for the controller process (KEY=VALUE), for experiments such as DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0.</summary>
    public IReadOnlyList<string> ControllerEnvironment { get; init; } = [];

    public required string Output { get; init; }

    public bool Quick { get; init; }

    public bool Verbose { get; init; }

    public int Seed { get; init; } = 1;

    public bool Runs(string scenario) => Scenarios.Contains(scenario, StringComparer.OrdinalIgnoreCase);

    /// <summary>The settings every metric carries.</summary>
    public Dictionary<string, object?> Common() => new(StringComparer.Ordinal)
    {
        ["gcsLatencyMs"] = GcsLatencyMs,
        ["kubernetesLatencyMs"] = KubernetesLatencyMs,
        ["quick"] = Quick,
    };
}
