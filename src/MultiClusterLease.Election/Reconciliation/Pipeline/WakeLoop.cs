using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>
/// Runs reconcile passes one at a time: after each, sleeps for the delay the pass returned unless <see cref="Wake"/>
/// is called first. A failed pass is retried (2 s; 1 s when the object vanished mid-pass), never crashes the loop.
/// </summary>
/// <remarks>
/// Single-threaded by construction: it awaits on the caller's context (no <c>ConfigureAwait(false)</c>, no
/// <c>Task.Run</c>), so a deterministic scheduler keeps it on its one thread.
/// </remarks>
internal sealed class WakeLoop
{
    /// <summary>The delay after a pass that failed with an unexpected error.</summary>
    public static readonly TimeSpan FailureRetry = TimeSpan.FromSeconds(2);

    /// <summary>The delay after a pass during which the object vanished.</summary>
    public static readonly TimeSpan VanishedRetry = TimeSpan.FromSeconds(1);

    private readonly WakeSignal _wake = new();
    private readonly string _key;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ElectionMetrics? _metrics;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The lease's key, for logs and metrics.</param>
    /// <param name="timeProvider">The clock of the waits and of the pass durations.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">Records pass durations and errors; <see langword="null"/> = none.</param>
    public WakeLoop(string key, TimeProvider timeProvider, ILogger logger, ElectionMetrics? metrics)
    {
        _key = key;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>Ends the current wait now, or makes the next one return at once. Thread-safe.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Runs <paramref name="pass"/> until it returns <see cref="ReconcilePassResult.Stop"/> or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="pass">One reconcile pass.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes when the loop ends.</returns>
    public async Task RunAsync(Func<CancellationToken, Task<ReconcilePassResult>> pass, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? next;
            var started = _timeProvider.GetTimestamp();
            string? error;
            try
            {
                var result = await pass(cancellationToken);
                next = result.NextDelay;
                error = result.BackendError is null ? null : "backend";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex.IsNotFound())
            {
                LeaseReconciler.Log.LeaseVanished(_logger, _key);
                next = VanishedRetry;
                error = null;
            }
#pragma warning disable CA1031 // A reconcile must never crash the controller; the loop retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LeaseReconciler.Log.ReconcileFailed(_logger, _key, ex);
                next = FailureRetry;
                error = ex is HttpOperationException or KubernetesException or HttpRequestException ? "kubernetes_api" : "exception";
            }

            _metrics?.RecordReconcile(_key, _timeProvider.GetElapsedTime(started), error);
            if (next is not { } delay)
            {
                LeaseReconciler.Log.Stopped(_logger, _key);
                return;
            }

            try
            {
                await _wake.WaitAsync(delay, _timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The loop ends on its next check.
            }
        }
    }
}
