using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Errors;

namespace MultiClusterLease.E2E.Tests;

/// <summary>The MultiClusterLease calls the scenarios make, through the official client.</summary>
internal static class SiteApi
{
    public static async Task<V1Alpha1MultiClusterLease?> GetLeaseAsync(this IKubernetes api, string ns, string name)
    {
        try
        {
            return await api.CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural, name);
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return null;
        }
    }

    public static async Task<bool> DeleteLeaseAsync(this IKubernetes api, string ns, string name)
    {
        try
        {
            await api.CustomObjects.DeleteNamespacedCustomObjectAsync(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural, name);
            return true;
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return false;
        }
    }

    public static Task PatchLeaseAsync(this IKubernetes api, string ns, string name, string mergePatch)
        => api.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural, name);

    public static Task<V1Alpha1MultiClusterLeaseList> ListLeasesAsync(this IKubernetes api, string ns)
        => api.CustomObjects.ListNamespacedCustomObjectAsync<V1Alpha1MultiClusterLeaseList>(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural);
}
