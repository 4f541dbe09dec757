using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// The controller's whole access to the <c>MultiClusterLease</c> objects of its cluster: read one, merge-patch its
/// status or its metadata, and list-watch them. <see cref="KubernetesMultiClusterLeaseStore"/> implements it over the
/// official client; a simulation can implement it in memory. Failures are classified with
/// <c>MultiClusterLease.Kubernetes.Errors.KubernetesErrors</c>: an implementation reports an absent object as an
/// exception for which <c>IsNotFound()</c> holds, and a stale <c>metadata.resourceVersion</c> as one for which
/// <c>IsConflict()</c> holds (e.g. the official client's <c>HttpOperationException</c> with 404 or 409).
/// </summary>
public interface IMultiClusterLeaseStore
{
    /// <summary>Reads one object.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object.</returns>
    Task<V1Alpha1MultiClusterLease> GetAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Applies a JSON merge patch (RFC 7386) to the <c>status</c> subresource.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="mergePatch">The patch, e.g. <c>{"status":{...}}</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the patch was applied.</returns>
    Task PatchStatusAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken);

    /// <summary>Applies a JSON merge patch to the object itself (used for <c>metadata.finalizers</c>, conditional on <c>metadata.resourceVersion</c>).</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="mergePatch">The patch.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the patch was applied.</returns>
    Task PatchAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken);

    /// <summary>Gets the list-watch of the objects of one namespace, or of all.</summary>
    /// <param name="namespace">The namespace; <see langword="null"/> = all namespaces.</param>
    /// <returns>The list-watch, for a <see cref="ResourceWatcher{T}"/>.</returns>
    IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch(string? @namespace);
}
