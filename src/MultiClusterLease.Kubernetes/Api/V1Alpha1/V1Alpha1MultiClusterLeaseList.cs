using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>A list of <see cref="V1Alpha1MultiClusterLease"/> objects, as a list call answers.</summary>
public sealed class V1Alpha1MultiClusterLeaseList : IKubernetesObject<V1ListMeta>, IItems<V1Alpha1MultiClusterLease>
{
    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = MultiClusterLeaseApi.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")] public string Kind { get; set; } = MultiClusterLeaseApi.Kind + "List";

    /// <inheritdoc/>
    [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc/>
    [JsonPropertyName("items")] public IList<V1Alpha1MultiClusterLease> Items { get; set; } = [];
}
