namespace MultiClusterLease.Kubernetes.Events;

/// <summary>Settings of an <see cref="EventRecorder"/>.</summary>
public sealed class EventRecorderOptions
{
    /// <summary>Gets or sets <c>source.component</c> and <c>reportingComponent</c> (default <c>multiclusterlease</c>).</summary>
    public string Component { get; set; } = "multiclusterlease";

    /// <summary>Gets or sets <c>reportingInstance</c> (default: this machine's host name, the pod name in a pod).</summary>
    public string? ReportingInstance { get; set; } = Environment.MachineName;

    /// <summary>Gets or sets <c>source.host</c>, e.g. the node name; <see langword="null"/> = not set.</summary>
    public string? Host { get; set; }

    /// <summary>
    /// Gets or sets how long after its last occurrence an identical event (same object uid, type, reason and message)
    /// is counted on the existing <c>Event</c> rather than creating a new one (default 10 minutes).
    /// </summary>
    public TimeSpan AggregationWindow { get; set; } = TimeSpan.FromMinutes(10);
}
