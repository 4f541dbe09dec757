using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>Identifies a Kubernetes REST resource: group, version, plural name, kind and scope.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version, e.g. <c>v1</c>.</param>
/// <param name="Plural">The plural resource name used in URLs.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Namespaced">Whether objects live in namespaces.</param>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary><c>multiclusterleases.multicluster.core.cnrm.cloud.google.com/v1alpha1</c>.</summary>
    public static ResourceType MultiClusterLeases { get; } =
        new(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, MultiClusterLeaseApi.Kind, true);

    /// <summary>Core <c>v1</c> events.</summary>
    public static ResourceType Events { get; } = new("", "v1", "events", "Event", true);

    /// <summary><c>coordination.k8s.io/v1</c> leases.</summary>
    public static ResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    /// <summary>Gets the <c>apiVersion</c> value: <c>group/version</c>, or <c>version</c> for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Builds the collection or object path, e.g. <c>/apis/g/v/namespaces/ns/plural/name/status</c>.</summary>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces or cluster-scoped resources.</param>
    /// <param name="name">The object name, or <see langword="null"/> for the collection.</param>
    /// <param name="subresource">A subresource such as <c>status</c>, or <see langword="null"/>.</param>
    /// <returns>The absolute path, without query.</returns>
    public string Path(string? @namespace = null, string? name = null, string? subresource = null)
    {
        var path = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        if (Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            path += $"/namespaces/{Uri.EscapeDataString(@namespace)}";
        }

        path += $"/{Plural}";
        if (!string.IsNullOrEmpty(name))
        {
            path += $"/{Uri.EscapeDataString(name)}";
            if (!string.IsNullOrEmpty(subresource))
            {
                path += $"/{subresource}";
            }
        }

        return path;
    }
}
