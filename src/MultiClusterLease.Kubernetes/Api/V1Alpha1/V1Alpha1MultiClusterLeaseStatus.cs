using System.Text.Json.Serialization;
using k8s.Models;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>The status of a <see cref="V1Alpha1MultiClusterLease"/>: written by the election controller only.</summary>
public sealed class V1Alpha1MultiClusterLeaseStatus
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
    [JsonPropertyName("conditions")] public List<V1Condition>? Conditions { get; set; }
}
