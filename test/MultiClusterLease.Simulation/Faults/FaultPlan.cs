namespace MultiClusterLease.Simulation.Faults;

/// <summary>The kinds of fault a simulated run injects: every kind of the real-time harness, and more.</summary>
internal enum FaultKind
{
    CandidateCrash,
    CandidatePause,
    CandidateApiPartition,
    ControllerCrashRestart,
    ControllerPause,
    ControllerGcsPartition,
    ControllerApiPartition,
    GcsErrors,
    GcsSlowWrites,
    GcsLostWriteAnswers,
    ApiConflicts,
    DroppedWatches,
    DuplicatedWatchEvents,
    MessageReordering,
    ClockStep,
    DeleteLeaseWhileLeading,
}

/// <summary>One scheduled fault: what, when (reference time), for how long, and where.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Start">When it starts.</param>
/// <param name="Duration">How long it lasts (ignored by instant faults).</param>
/// <param name="Cluster">The cluster index it hits.</param>
/// <param name="Candidate">The candidate index it hits.</param>
/// <param name="Amount">A kind-specific random draw in [0, 1): a probability, a clock step.</param>
internal sealed record Fault(FaultKind Kind, TimeSpan Start, TimeSpan Duration, int Cluster, int Candidate, double Amount)
{
    public override string ToString() => $"{Kind} at {Start.TotalSeconds:F2}s for {Duration.TotalSeconds:F1}s (cluster {Cluster}, candidate {Candidate}, {Amount:F2})";
}

/// <summary>The fault schedule of a seed, drawn before the run starts (so a shrunk schedule replays the same world).</summary>
internal static class FaultPlan
{
    /// <summary>Draws 3 to 7 faults in [2 s, 30 s).</summary>
    public static List<Fault> Draw(Random random, int clusters, int candidates)
    {
        var kinds = Enum.GetValues<FaultKind>();
        var count = random.Next(3, 8);
        var faults = new List<Fault>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = kinds[random.Next(kinds.Length)];
            var start = TimeSpan.FromSeconds(2 + (random.NextDouble() * 28));
            var duration = TimeSpan.FromSeconds(1 + (random.NextDouble() * 13));
            faults.Add(new Fault(kind, start, duration, random.Next(clusters), random.Next(candidates), random.NextDouble()));
        }

        return faults;
    }
}
