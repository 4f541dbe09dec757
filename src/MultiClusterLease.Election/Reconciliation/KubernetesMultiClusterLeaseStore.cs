using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>The <see cref="IMultiClusterLeaseStore"/> of a real cluster: the official client's <c>CustomObjects</c> API.</summary>
public sealed class KubernetesMultiClusterLeaseStore : IMultiClusterLeaseStore
{
    private readonly IKubernetes _client;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The client (shared; not disposed here).</param>
    public KubernetesMultiClusterLeaseStore(IKubernetes client)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
    }

    /// <inheritdoc/>
    public Task<V1Alpha1MultiClusterLease> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
        => _client.CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
            MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, @namespace, MultiClusterLeaseApi.Plural, name, cancellationToken);

    /// <inheritdoc/>
    public Task PatchStatusAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
        => _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<V1Alpha1MultiClusterLease>(
            new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, @namespace, MultiClusterLeaseApi.Plural, name,
            fieldManager: MultiClusterLeaseApi.ControllerFieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task PatchAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
        => _client.CustomObjects.PatchNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
            new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, @namespace, MultiClusterLeaseApi.Plural, name,
            fieldManager: MultiClusterLeaseApi.ControllerFieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch(string? @namespace)
        => new CustomResourceListWatch<V1Alpha1MultiClusterLease, V1Alpha1MultiClusterLeaseList>(
            _client, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, @namespace);
}
