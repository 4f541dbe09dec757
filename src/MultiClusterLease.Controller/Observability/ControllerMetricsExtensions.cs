using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Election.Reconciliation;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MultiClusterLease.Controller.Observability;

/// <summary>
/// Exports the controller's <see cref="System.Diagnostics.Metrics"/> instruments with OpenTelemetry: to Prometheus on
/// the health port's <c>/metrics</c> (mapped by <c>MapPrometheusScrapingEndpoint</c>), and over OTLP when
/// <see cref="OtlpEndpointVariable"/> is set.
/// </summary>
internal static class ControllerMetricsExtensions
{
    /// <summary>
    /// The environment variable (or configuration key) that turns OTLP export on. The exporter then reads it and the
    /// other <c>OTEL_EXPORTER_OTLP_*</c> variables (protocol, headers, the metrics-only endpoint) itself, as the
    /// OpenTelemetry specification defines them.
    /// </summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The OpenTelemetry service name of the controller (resource attribute <c>service.name</c>).</summary>
    public const string ServiceName = "multiclusterlease-controller";

    /// <summary>The name of the listener that <c>WithMetrics</c> registers with <see cref="IMetricsBuilder"/>.</summary>
    private const string OpenTelemetryListenerName = "OpenTelemetry";

    /// <summary>The meters exported, by name.</summary>
    public static readonly IReadOnlyList<string> MeterNames =
    [
        ElectionMetrics.MeterName,
        "MultiClusterLease.Gcs",
        "MultiClusterLease.Kubernetes",
        ControllerActivity.MeterName,
    ];

    /// <summary>
    /// Adds the OpenTelemetry meter provider with the Prometheus exporter, and the OTLP exporter when
    /// <see cref="OtlpEndpointVariable"/> is set in <paramref name="builder"/>'s configuration (environment variables
    /// included).
    /// </summary>
    /// <remarks>
    /// The meters are enabled through <see cref="IMetricsBuilder"/> with <see cref="MeterScope.Local"/>, not with
    /// <c>AddMeter</c>: only meters created by this host's <see cref="IMeterFactory"/> are exported, so several hosts
    /// in one process (tests) each export their own and not each other's. The Prometheus exposition keeps the
    /// instrument names as they are (they carry their unit and <c>_total</c> already) and adds neither
    /// <c>otel_scope_*</c> labels nor a <c>target_info</c> family.
    /// </remarks>
    /// <param name="builder">The host builder.</param>
    /// <param name="serviceInstanceId">The resource attribute <c>service.instance.id</c>: the controller's identity.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IHostApplicationBuilder AddControllerMetrics(this IHostApplicationBuilder builder, string serviceInstanceId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var meterName in MeterNames)
        {
            builder.Metrics.EnableMetrics(meterName, instrumentName: null, listenerName: OpenTelemetryListenerName, scopes: MeterScope.Local);
        }

        var otlp = IsOtlpConfigured(builder.Configuration);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: serviceInstanceId))
            .WithMetrics(metrics =>
            {
                metrics.AddPrometheusExporter(o =>
                {
                    o.ScopeInfoEnabled = false;
                    o.TargetInfoEnabled = false;
                });
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            builder.Services.AddHostedService<MetricsFlushOnStop>();
        }

        return builder;
    }

    /// <summary>Whether <see cref="OtlpEndpointVariable"/> is set to something other than blanks.</summary>
    /// <param name="configuration">The host's configuration.</param>
    /// <returns><see langword="true"/> when metrics go out over OTLP too.</returns>
    internal static bool IsOtlpConfigured(IConfiguration configuration)
        => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
}
