using System.Text.Json.Serialization;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>
/// A <c>MultiClusterLease</c> custom resource (<c>multicluster.core.cnrm.cloud.google.com/v1alpha1</c>).
/// The candidate writes <see cref="Spec"/>; the election controller of the same cluster writes <see cref="Status"/>.
/// </summary>
public sealed class MultiClusterLease : IKubernetesObject
{
    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; } = MultiClusterLeaseApi.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")] public string? Kind { get; set; } = MultiClusterLeaseApi.Kind;

    /// <inheritdoc/>
    [JsonPropertyName("metadata")] public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Gets or sets the candidate's request.</summary>
    [JsonPropertyName("spec")] public MultiClusterLeaseSpec? Spec { get; set; }

    /// <summary>Gets or sets the controller's answer.</summary>
    [JsonPropertyName("status")] public MultiClusterLeaseStatus? Status { get; set; }

    /// <summary>
    /// Gets the name of the global lock this CR contends for: <see cref="MultiClusterLeaseSpec.LockName"/> when set,
    /// otherwise <c>NAMESPACE/NAME</c>, the key the Go implementation uses.
    /// </summary>
    [JsonIgnore]
    public string EffectiveLockName =>
        string.IsNullOrEmpty(Spec?.LockName) ? $"{Metadata.Namespace}/{Metadata.Name}" : Spec!.LockName!;
}

/// <summary>The spec of a <see cref="MultiClusterLease"/>: written by the candidate only.</summary>
public sealed class MultiClusterLeaseSpec
{
    /// <summary>Default <see cref="LeaseDurationSeconds"/>: 15 seconds.</summary>
    public const int DefaultLeaseDurationSeconds = 15;

    /// <summary>Default <see cref="RenewDeadlineSeconds"/>: 10 seconds.</summary>
    public const int DefaultRenewDeadlineSeconds = 10;

    /// <summary>Default <see cref="RetryPeriodSeconds"/>: 2 seconds.</summary>
    public const int DefaultRetryPeriodSeconds = 2;

    /// <summary>Gets or sets the candidate asking to lead; the empty string means "I release".</summary>
    [JsonPropertyName("holderIdentity")] public string? HolderIdentity { get; set; }

    /// <summary>
    /// Gets or sets the candidate's last heartbeat (Kubernetes MicroTime). The controller never compares it with
    /// its own clock: only its changes count, as the candidate's liveness signal.
    /// </summary>
    [JsonPropertyName("renewTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>Gets or sets the lease duration in seconds (default 15).</summary>
    [JsonPropertyName("leaseDurationSeconds")] public int? LeaseDurationSeconds { get; set; }

    /// <summary>Gets or sets the candidate's renew deadline in seconds (default 10).</summary>
    [JsonPropertyName("renewDeadlineSeconds")] public int? RenewDeadlineSeconds { get; set; }

    /// <summary>Gets or sets the candidate's retry period in seconds (default 2).</summary>
    [JsonPropertyName("retryPeriodSeconds")] public int? RetryPeriodSeconds { get; set; }

    /// <summary>
    /// Gets or sets the name of the global lock shared by every cluster (optional; default <c>NAMESPACE/NAME</c>).
    /// Lets clusters use different CR names for the same election.
    /// </summary>
    [JsonPropertyName("lockName")] public string? LockName { get; set; }
}

/// <summary>The status of a <see cref="MultiClusterLease"/>: written by the election controller only.</summary>
public sealed class MultiClusterLeaseStatus
{
    /// <summary>
    /// Gets or sets the spec generation the controller acted on. A value of G means a backend read or write made after
    /// the controller saw generation G decided <see cref="GlobalHolderIdentity"/>.
    /// </summary>
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }

    /// <summary>Gets or sets the holder of the global lock; empty when nobody holds it.</summary>
    [JsonPropertyName("globalHolderIdentity")] public string? GlobalHolderIdentity { get; set; }

    /// <summary>Gets or sets when the controller last saw the global holder renew (sub-second precision).</summary>
    [JsonPropertyName("globalRenewTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? GlobalRenewTime { get; set; }

    /// <summary>Gets or sets the lease duration in seconds that the global holder set on the lock.</summary>
    [JsonPropertyName("globalLeaseDurationSeconds")] public int? GlobalLeaseDurationSeconds { get; set; }

    /// <summary>Gets or sets how many times the global holder has changed.</summary>
    [JsonPropertyName("globalLeaseTransitions")] public int? GlobalLeaseTransitions { get; set; }

    /// <summary>Gets or sets when the current global holder acquired the lock.</summary>
    [JsonPropertyName("globalAcquireTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? GlobalAcquireTime { get; set; }

    /// <summary>
    /// Gets or sets the fencing token: the lock's epoch, which grows by one on every change of holder and never
    /// goes back. Pass it to downstream systems so they can reject writes from a deposed leader.
    /// </summary>
    [JsonPropertyName("fencingToken")] public long? FencingToken { get; set; }

    /// <summary>Gets or sets the lock object's address, e.g. <c>gs://bucket/leases/ns/name</c>.</summary>
    [JsonPropertyName("lockObject")] public string? LockObject { get; set; }

    /// <summary>Gets or sets the conditions (<c>BackendHealthy</c>, <c>LockAcquiredInBackend</c>, <c>SpecValid</c>).</summary>
    [JsonPropertyName("conditions")] public List<Condition>? Conditions { get; set; }
}
