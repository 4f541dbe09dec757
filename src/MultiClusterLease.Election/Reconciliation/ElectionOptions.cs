using System.ComponentModel.DataAnnotations;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>Options of the election controller.</summary>
public sealed class ElectionOptions
{
    /// <summary>Gets or sets the namespace to watch; <see langword="null"/> or empty watches all namespaces.</summary>
    public string? Namespace { get; set; }

    /// <summary>
    /// Gets or sets the fraction of the retry period added at random to each poll (default 0.2), so the controllers of
    /// several clusters do not read the lock in lock-step.
    /// </summary>
    [Range(0.0, 1.0)]
    public double JitterFactor { get; set; } = 0.2;

    /// <summary>
    /// Gets or sets the minimum time between two writes of one lock object by this controller (default 1 s): GCS
    /// allows about one write per second per object.
    /// </summary>
    public TimeSpan MinWriteInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the identity of this controller instance, used in logs and events (default: host name).</summary>
    public string ControllerIdentity { get; set; } = Environment.MachineName;

    /// <summary>
    /// Gets or sets a deliberately broken rule for the simulation's self-test (never set in shipped code): take over a
    /// lock once it has not changed for the spec's renewDeadline instead of the lock's leaseDuration. The simulation's
    /// default batch must catch it (test/MultiClusterLease.Simulation.Tests).
    /// </summary>
    internal bool BrokenTakeOverAfterRenewDeadline { get; set; }
}
