namespace MultiClusterLease.Sandbox.ShardingDemo;

/// <summary>Settings of <c>make demo-sharding</c>.</summary>
internal sealed record ShardingDemoOptions
{
    public required string SampleDll { get; init; }

    public required string ControllerDll { get; init; }

    public required string Directory { get; init; }

    /// <summary>Gets whether part 2 (two clusters, global fences) is skipped.</summary>
    public bool SkipGlobal { get; init; }

    public bool KeepRunning { get; init; }

    /// <summary>Gets the peers' lease duration in whole seconds (default 6).</summary>
    public int LeaseDurationSeconds { get; init; } = 6;

    public int RenewIntervalSeconds { get; init; } = 2;

    public int RenewDeadlineSeconds { get; init; } = 4;

    public int ProbeIntervalSeconds { get; init; } = 1;
}
