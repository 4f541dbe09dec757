using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Client.Candidate;

/// <summary>The <see cref="ICandidateLeaseClient"/> of a real cluster: the official client's <c>CustomObjects</c> API.</summary>
internal sealed class KubernetesCandidateLeaseClient : ICandidateLeaseClient
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _name;

    public KubernetesCandidateLeaseClient(IKubernetes client, string @namespace, string name)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _namespace = @namespace;
        _name = name;
    }

    public async Task<V1Alpha1MultiClusterLease?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
                MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, _namespace, MultiClusterLeaseApi.Plural, _name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return null;
        }
    }

    public Task<V1Alpha1MultiClusterLease> CreateAsync(V1Alpha1MultiClusterLease lease, CancellationToken cancellationToken)
        => _client.CustomObjects.CreateNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
            lease, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, _namespace, MultiClusterLeaseApi.Plural, cancellationToken: cancellationToken);

    public Task<V1Alpha1MultiClusterLease> PatchAsync(string mergePatch, CancellationToken cancellationToken)
        => _client.CustomObjects.PatchNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
            new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, _namespace, MultiClusterLeaseApi.Plural, _name,
            cancellationToken: cancellationToken);

    public IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch()
        => new CustomResourceListWatch<V1Alpha1MultiClusterLease, V1Alpha1MultiClusterLeaseList>(
            _client, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, _namespace, fieldSelector: $"metadata.name={_name}");
}
