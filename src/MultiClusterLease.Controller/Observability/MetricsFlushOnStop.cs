using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace MultiClusterLease.Controller.Observability;

/// <summary>
/// Exports the metrics once more when the host has stopped, so that an OTLP receiver gets the last values. The OTLP
/// reader's own final export comes only when the service provider is disposed, and by then the host's meters are gone:
/// the observable instruments (leader status, fencing token, controller active) would be missing from it. This export
/// runs after every hosted service has stopped (<see cref="IHostedLifecycleService.StoppedAsync"/>), before disposal.
/// </summary>
/// <param name="meterProvider">The host's meter provider.</param>
internal sealed class MetricsFlushOnStop(MeterProvider meterProvider) : IHostedLifecycleService
{
    /// <summary>How long the export may take, in milliseconds: within the host's shutdown timeout.</summary>
    private const int FlushTimeoutMilliseconds = 5_000;

    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppedAsync(CancellationToken cancellationToken)
        => Task.Run(() => meterProvider.ForceFlush(FlushTimeoutMilliseconds), cancellationToken);
}
