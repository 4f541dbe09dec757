using System.Diagnostics.Metrics;

namespace MultiClusterLease.Controller.HighAvailability;

/// <summary>
/// Whether this replica is the active one (reconciling) or a standby, for health checks and for the gauge
/// <c>multiclusterlease_controller_active</c> of meter <see cref="MeterName"/>.
/// </summary>
internal sealed class ControllerActivity
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "MultiClusterLease.Controller";

    private volatile bool _active;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="leaderElection">Whether replicas elect an active one.</param>
    /// <param name="meterFactory">Creates the meter; <see langword="null"/> = no metrics.</param>
    public ControllerActivity(bool leaderElection, IMeterFactory? meterFactory)
    {
        LeaderElection = leaderElection;
        meterFactory?.Create(MeterName).CreateObservableGauge(
            "multiclusterlease_controller_active",
            () => _active ? 1 : 0,
            unit: "{status}",
            description: "1 while this controller replica is the active one and reconciles, 0 while it stands by (--leader-elect).");
    }

    /// <summary>Gets whether replicas elect an active one (<c>--leader-elect</c>).</summary>
    public bool LeaderElection { get; }

    /// <summary>Gets whether this replica reconciles now.</summary>
    public bool IsActive => _active;

    /// <summary>Records whether this replica reconciles.</summary>
    /// <param name="active">Whether it does.</param>
    public void SetActive(bool active) => _active = active;
}
