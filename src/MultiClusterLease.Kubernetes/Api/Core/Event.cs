using System.Text.Json.Serialization;
using MultiClusterLease.Kubernetes.Api.Meta;

namespace MultiClusterLease.Kubernetes.Api.Core;

/// <summary>A core <c>v1</c> <c>Event</c>: something that happened to an object, shown by <c>kubectl describe</c>.</summary>
public sealed class Event : IKubernetesObject
{
    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc/>
    [JsonPropertyName("kind")] public string? Kind { get; set; } = "Event";

    /// <inheritdoc/>
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Gets or sets the object the event is about.</summary>
    [JsonPropertyName("involvedObject")] public ObjectReference InvolvedObject { get; set; } = new();

    /// <summary>Gets or sets a short CamelCase reason, e.g. <c>LeaderElected</c>.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    /// <summary>Gets or sets the human-readable description.</summary>
    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>Gets or sets <see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Gets or sets when the event was first recorded (RFC 3339, seconds).</summary>
    [JsonPropertyName("firstTimestamp")] public DateTimeOffset? FirstTimestamp { get; set; }

    /// <summary>Gets or sets when it was most recently recorded (RFC 3339, seconds).</summary>
    [JsonPropertyName("lastTimestamp")] public DateTimeOffset? LastTimestamp { get; set; }

    /// <summary>Gets or sets how many times it occurred.</summary>
    [JsonPropertyName("count")] public int? Count { get; set; }

    /// <summary>Gets or sets the component and host that reported it.</summary>
    [JsonPropertyName("source")] public EventSource? Source { get; set; }

    /// <summary>Gets or sets the reporting controller's name, e.g. <c>multiclusterlease</c>.</summary>
    [JsonPropertyName("reportingComponent")] public string? ReportingComponent { get; set; }

    /// <summary>Gets or sets the reporting controller's instance, e.g. the pod name.</summary>
    [JsonPropertyName("reportingInstance")] public string? ReportingInstance { get; set; }
}

/// <summary>A reference to an object (<c>ObjectReference</c>).</summary>
public sealed class ObjectReference
{
    /// <summary>Gets or sets the referenced object's <c>apiVersion</c>.</summary>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }

    /// <summary>Gets or sets its kind.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    /// <summary>Gets or sets its name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>Gets or sets its namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>Gets or sets its uid.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }

    /// <summary>Gets or sets its resource version when the event was recorded.</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
}

/// <summary>The reporter of an event (<c>EventSource</c>).</summary>
public sealed class EventSource
{
    /// <summary>Gets or sets the component, e.g. <c>multiclusterlease</c>.</summary>
    [JsonPropertyName("component")] public string? Component { get; set; }

    /// <summary>Gets or sets the host (node or pod) name.</summary>
    [JsonPropertyName("host")] public string? Host { get; set; }
}

/// <summary>Values of <see cref="Event.Type"/>.</summary>
public static class EventTypes
{
    /// <summary>Normal, informational.</summary>
    public const string Normal = "Normal";

    /// <summary>Something may be wrong.</summary>
    public const string Warning = "Warning";
}
