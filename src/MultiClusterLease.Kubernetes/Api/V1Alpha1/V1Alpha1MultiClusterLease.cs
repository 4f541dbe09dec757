using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>
/// A <c>MultiClusterLease</c> custom resource (<c>multicluster.core.cnrm.cloud.google.com/v1alpha1</c>), named in the
/// official client's convention. The candidate writes <see cref="Spec"/>; the election controller of the same cluster
/// writes <see cref="Status"/>. Serialized with the official client's JSON settings (<c>k8s.KubernetesJson</c>); only
/// the MicroTime fields carry their own converter (<see cref="Json.MicroTimeConverter"/>).
/// </summary>
[KubernetesEntity(Group = KubeGroup, Kind = KubeKind, ApiVersion = KubeApiVersion, PluralName = KubePluralName)]
public sealed class V1Alpha1MultiClusterLease : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1MultiClusterLeaseSpec?>, IStatus<V1Alpha1MultiClusterLeaseStatus?>
{
    /// <summary>The API version (without group): <c>v1alpha1</c>.</summary>
    public const string KubeApiVersion = MultiClusterLeaseApi.Version;

    /// <summary>The kind: <c>MultiClusterLease</c>.</summary>
    public const string KubeKind = MultiClusterLeaseApi.Kind;

    /// <summary>The API group.</summary>
    public const string KubeGroup = MultiClusterLeaseApi.Group;

    /// <summary>The plural resource name.</summary>
    public const string KubePluralName = MultiClusterLeaseApi.Plural;

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = MultiClusterLeaseApi.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")] public string Kind { get; set; } = MultiClusterLeaseApi.Kind;

    /// <inheritdoc/>
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Gets or sets the candidate's request.</summary>
    [JsonPropertyName("spec")] public V1Alpha1MultiClusterLeaseSpec? Spec { get; set; }

    /// <summary>Gets or sets the controller's answer.</summary>
    [JsonPropertyName("status")] public V1Alpha1MultiClusterLeaseStatus? Status { get; set; }

    /// <summary>
    /// Gets the name of the global lock this CR contends for: <see cref="V1Alpha1MultiClusterLeaseSpec.LockName"/> when set,
    /// otherwise <c>NAMESPACE/NAME</c>, the key the Go implementation uses.
    /// </summary>
    [JsonIgnore]
    public string EffectiveLockName =>
        string.IsNullOrEmpty(Spec?.LockName) ? $"{Metadata.NamespaceProperty}/{Metadata.Name}" : Spec!.LockName!;
}
