using Microsoft.Extensions.Diagnostics.HealthChecks;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Election.Reconciliation;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>Readiness: the <c>MultiClusterLease</c> watch is connected (active replica); a standby is ready as it is.</summary>
internal sealed class WatchHealthCheck(ElectionController controller, ControllerActivity activity) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(
            !activity.IsActive && activity.LeaderElection ? HealthCheckResult.Healthy("standby: another replica holds the controller lease")
            : controller.WatchConnected ? HealthCheckResult.Healthy("watching MultiClusterLeases")
            : HealthCheckResult.Unhealthy("the MultiClusterLease watch is not connected"));
}

/// <summary>Readiness: every lease's last lock backend request succeeded (active replica); a standby is ready as it is.</summary>
internal sealed class BackendHealthCheck(ElectionController controller, ControllerActivity activity) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(
            !activity.IsActive && activity.LeaderElection ? HealthCheckResult.Healthy("standby: the lock backend is not used")
            : controller.BackendHealthy ? HealthCheckResult.Healthy("the lock backend answers")
            : HealthCheckResult.Unhealthy("the lock backend failed for at least one lease; see the BackendHealthy conditions"));
}

/// <summary>
/// Liveness: the active replica's renewals are not stuck. It stops reconciling by itself once its renew deadline has
/// passed; a leader whose last renewal is older than that plus a grace period has a wedged renew loop.
/// </summary>
internal sealed class LeaderElectionHealthCheck(LeaseElector? elector, LeaderElectionOptions options) : IHealthCheck
{
    /// <summary>How long past the renew deadline a leader may go without a renewal before it is reported dead.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (elector is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("leader election is off"));
        }

        if (elector.IsLeader && elector.SinceLastRenewal is { } since && since > options.RenewDeadline + Grace)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"leading without a renewal of the controller lease for {since.TotalSeconds:0} s"));
        }

        return Task.FromResult(HealthCheckResult.Healthy(elector.IsLeader ? "active" : "standby"));
    }
}
