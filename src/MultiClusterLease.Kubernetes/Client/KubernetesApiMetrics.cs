using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>
/// Metrics of <see cref="KubernetesApiClient"/>, meter <see cref="MeterName"/>: one count per failed request,
/// <c>multiclusterlease_kubernetes_api_errors_total</c>, tagged <c>method</c> (the HTTP method) and <c>code</c> (the HTTP
/// status, or <c>timeout</c> / <c>transport_error</c> when no answer arrived). Conflicts (409) and absent objects (404) are
/// answers too: they count, under their code.
/// </summary>
public sealed class KubernetesApiMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "MultiClusterLease.Kubernetes";

    private readonly Counter<long> _errors;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="meterFactory">Creates the meter.</param>
    public KubernetesApiMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _errors = meter.CreateCounter<long>(
            "multiclusterlease_kubernetes_api_errors_total",
            unit: "{request}",
            description: "Kubernetes API requests that failed, by HTTP method and status code (or timeout, transport_error).");
    }

    /// <summary>Records one failed request.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="code">The HTTP status, or a failure kind.</param>
    public void RecordError(string method, string code)
        => _errors.Add(1, new TagList { { "method", method }, { "code", code } });
}
