using MultiClusterLease.Election.Protocol;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>What one reconcile pass reports to the wake loop.</summary>
/// <param name="NextDelay">How long to sleep before the next pass unless woken; <see langword="null"/> stops the loop.</param>
/// <param name="Decision">The election decision of the pass, if it got that far.</param>
/// <param name="BackendError">The lock backend's last error, or <see langword="null"/> when it answered (the metrics' error label is "backend" then).</param>
internal sealed record ReconcilePassResult(TimeSpan? NextDelay, ElectionDecision? Decision = null, string? BackendError = null)
{
    /// <summary>Gets a result that ends the loop (the lease is gone or no longer this controller's to finalize).</summary>
    public static ReconcilePassResult Stop { get; } = new((TimeSpan?)null);

    /// <summary>Gets whether the loop ends after this pass.</summary>
    public bool Stops => NextDelay is null;

    /// <summary>Creates a result that runs the next pass after <paramref name="delay"/>.</summary>
    /// <param name="delay">The delay; zero or less runs the next pass at once.</param>
    /// <returns>The result.</returns>
    public static ReconcilePassResult After(TimeSpan delay) => new(delay);
}
