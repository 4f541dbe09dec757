using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Client.Candidate;

/// <summary>
/// A candidate's whole access to its one <c>MultiClusterLease</c>: read, create, merge-patch and list-watch it.
/// <see cref="KubernetesCandidateLeaseClient"/> implements it over the official client; a simulation can plug in an
/// in-memory one. Failures are classified with <c>MultiClusterLease.Kubernetes.Errors.KubernetesErrors</c>: a patch of an
/// absent object fails with <c>IsNotFound()</c>, a stale <c>metadata.resourceVersion</c> with <c>IsConflict()</c>, a
/// create of an existing object with <c>IsAlreadyExists()</c>.
/// </summary>
internal interface ICandidateLeaseClient
{
    /// <summary>Reads the object.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object, or <see langword="null"/> when it does not exist.</returns>
    Task<V1Alpha1MultiClusterLease?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the object.</summary>
    /// <param name="lease">The object.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored.</returns>
    Task<V1Alpha1MultiClusterLease> CreateAsync(V1Alpha1MultiClusterLease lease, CancellationToken cancellationToken);

    /// <summary>Applies a JSON merge patch (RFC 7386) to the object.</summary>
    /// <param name="mergePatch">The patch.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object after the patch.</returns>
    Task<V1Alpha1MultiClusterLease> PatchAsync(string mergePatch, CancellationToken cancellationToken);

    /// <summary>Gets the list-watch of this one object.</summary>
    /// <returns>The list-watch.</returns>
    IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch();
}
