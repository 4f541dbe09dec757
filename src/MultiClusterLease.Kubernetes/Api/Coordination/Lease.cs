using System.Text.Json.Serialization;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Api.Coordination;

/// <summary>
/// A <c>coordination.k8s.io/v1</c> <c>Lease</c>: the object Kubernetes components use for their own leader election.
/// Written with a <c>metadata.resourceVersion</c>, a replace (PUT) is conditional: 409 Conflict when someone wrote first.
/// </summary>
public sealed class Lease : IKubernetesObject
{
    /// <summary>The <c>apiVersion</c>: <c>coordination.k8s.io/v1</c>.</summary>
    public const string ApiVersionValue = "coordination.k8s.io/v1";

    /// <summary>The <c>kind</c>: <c>Lease</c>.</summary>
    public const string KindValue = "Lease";

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = ApiVersionValue;

    /// <inheritdoc/>
    [JsonPropertyName("kind")] public string? Kind { get; set; } = KindValue;

    /// <inheritdoc/>
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Gets or sets the lease record.</summary>
    [JsonPropertyName("spec")] public LeaseSpec? Spec { get; set; }
}

/// <summary>The spec of a <see cref="Lease"/> (<c>LeaseSpec</c>).</summary>
public sealed class LeaseSpec
{
    /// <summary>Gets or sets the identity of the holder; empty or absent when nobody holds the lease.</summary>
    [JsonPropertyName("holderIdentity")] public string? HolderIdentity { get; set; }

    /// <summary>Gets or sets how long, in seconds, candidates wait without seeing the lease change before they may take it.</summary>
    [JsonPropertyName("leaseDurationSeconds")] public int? LeaseDurationSeconds { get; set; }

    /// <summary>Gets or sets when the current holder acquired the lease (MicroTime; informational).</summary>
    [JsonPropertyName("acquireTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>Gets or sets when the holder last renewed the lease (MicroTime; informational: only its changes count).</summary>
    [JsonPropertyName("renewTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>Gets or sets how many times the lease changed holder.</summary>
    [JsonPropertyName("leaseTransitions")] public int? LeaseTransitions { get; set; }
}
