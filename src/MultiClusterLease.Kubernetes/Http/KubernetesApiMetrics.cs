using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace MultiClusterLease.Kubernetes.Http;

/// <summary>
/// Counts failed Kubernetes API requests on the <see cref="MeterName"/> meter, as a delegating handler in the official
/// client's pipeline (<c>new Kubernetes(config, handler)</c>): the official client's own metrics handler needs
/// prometheus-net, which this project does not use.
/// </summary>
public sealed class KubernetesApiMetrics : DelegatingHandler
{
    /// <summary>The meter name: <c>MultiClusterLease.Kubernetes</c>.</summary>
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

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode >= 400)
            {
                Record(request.Method.Method, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Record(request.Method.Method, "timeout");
            throw;
        }
        catch (HttpRequestException)
        {
            Record(request.Method.Method, "transport_error");
            throw;
        }
    }

    private void Record(string method, string code) => _errors.Add(1, new TagList { { "method", method }, { "code", code } });
}
