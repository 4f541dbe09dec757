using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// Metrics of the GCS backend, meter <c>MultiClusterLease.Gcs</c>: one count and one duration per HTTP request,
/// tagged <c>operation</c> (<c>read</c> | <c>write</c>) and <c>code</c> (the HTTP status, or <c>transport_error</c>,
/// <c>timeout</c>, <c>canceled</c>, <c>auth_error</c> when no status was received).
/// </summary>
internal sealed class GcsMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "MultiClusterLease.Gcs";

    /// <summary>The bucket boundaries of the request duration histogram, in seconds: Prometheus's defaults.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="meterFactory">Creates the meter.</param>
    public GcsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(
            "multiclusterlease_gcs_requests_total",
            unit: "{request}",
            description: "GCS JSON API requests by operation (read, write) and HTTP status code.");
        _duration = meter.CreateHistogram(
            "multiclusterlease_gcs_request_duration_seconds",
            unit: "s",
            description: "Duration of one GCS JSON API request (one attempt), by operation and code.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>Records one request.</summary>
    /// <param name="operation"><c>read</c> or <c>write</c>.</param>
    /// <param name="code">The HTTP status or a failure kind.</param>
    /// <param name="elapsed">How long the request took.</param>
    public void Record(string operation, string code, TimeSpan elapsed)
    {
        var tags = new TagList { { "operation", operation }, { "code", code } };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }
}
