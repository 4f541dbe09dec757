using System.Text.Json.Serialization;

namespace MultiClusterLease.Kubernetes.Api.Meta;

/// <summary>
/// A status condition in the shape of <c>metav1.Condition</c> (Kubernetes API conventions, "Typical status properties").
/// </summary>
public sealed class Condition
{
    /// <summary>Gets or sets the condition type in CamelCase, e.g. <c>BackendHealthy</c>.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    /// <summary>Gets or sets the status: <c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")] public string Status { get; set; } = ConditionStatus.Unknown;

    /// <summary>Gets or sets the spec generation this condition was computed from.</summary>
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }

    /// <summary>Gets or sets when the status last changed (RFC 3339, seconds).</summary>
    [JsonPropertyName("lastTransitionTime")] public DateTimeOffset LastTransitionTime { get; set; }

    /// <summary>Gets or sets a CamelCase machine-readable reason.</summary>
    [JsonPropertyName("reason")] public string Reason { get; set; } = "";

    /// <summary>Gets or sets a human-readable message.</summary>
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}

/// <summary>Values of <see cref="Condition.Status"/>.</summary>
public static class ConditionStatus
{
    /// <summary>The condition holds.</summary>
    public const string True = "True";

    /// <summary>The condition does not hold.</summary>
    public const string False = "False";

    /// <summary>Not known.</summary>
    public const string Unknown = "Unknown";
}
