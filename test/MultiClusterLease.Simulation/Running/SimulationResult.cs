using MultiClusterLease.Simulation.Faults;

namespace MultiClusterLease.Simulation.Running;

/// <summary>Switches for a run.</summary>
internal sealed record SimulationSettings
{
    /// <summary>Gets the default settings: the real rules.</summary>
    public static SimulationSettings Default { get; } = new();

    /// <summary>Gets whether controllers take over a lock after renewDeadline instead of leaseDuration (a deliberately broken rule).</summary>
    public bool BrokenTakeOverAfterRenewDeadline { get; init; }

    /// <summary>
    /// Gets whether a candidate pause freezes official-elector candidates too (the default pauses them only as seen
    /// from outside): the official elector then leads on for up to renewDeadline after thawing, a known limitation.
    /// </summary>
    public bool FreezeOfficialElectors { get; init; }

    /// <summary>Gets the indices of the seed's faults to inject (all when <see langword="null"/>); shrinking drops some.</summary>
    public IReadOnlySet<int>? KeepFaults { get; init; }
}

/// <summary>What one seeded run found.</summary>
internal sealed record SimulationResult(
    int Seed,
    IReadOnlyList<string> Violations,
    IReadOnlyList<Fault> Faults,
    string Trace,
    long Steps,
    TimeSpan SimulatedTime,
    TimeSpan? TimeToLeaderAfterHeal)
{
    public bool Ok => Violations.Count == 0;
}
