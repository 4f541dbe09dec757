namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>The resources the controller and the candidate call, named as RBAC names them.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version.</param>
/// <param name="Plural">The plural resource name.</param>
internal sealed record ResourceType(string Group, string Version, string Plural)
{
    public static ResourceType MultiClusterLeases { get; } = new(
        MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLeaseApi.Group, MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLeaseApi.Version, MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLeaseApi.Plural);

    public static ResourceType Events { get; } = new("", "v1", "events");

    public static ResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases");
}
