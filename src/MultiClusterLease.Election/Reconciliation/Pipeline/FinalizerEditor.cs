using System.Text.Json.Nodes;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Errors;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>
/// Adds and removes this controller's finalizer (DESIGN §3.4): added while the CR lives, so that a deletion waits for
/// the lock to be released; removed once the lock is released or held elsewhere. Patches carry the object's
/// <c>resourceVersion</c>, so a stale copy conflicts instead of dropping another writer's finalizer.
/// </summary>
internal sealed class FinalizerEditor
{
    private readonly IMultiClusterLeaseStore _store;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The MultiClusterLease objects of this cluster.</param>
    public FinalizerEditor(IMultiClusterLeaseStore store) => _store = store;

    /// <summary>Gets whether <paramref name="lease"/> carries the finalizer.</summary>
    /// <param name="lease">The object.</param>
    /// <returns>Whether it does.</returns>
    public static bool Has(Lease lease) => lease.Metadata.Finalizers?.Contains(MultiClusterLeaseApi.Finalizer) == true;

    /// <summary>Adds the finalizer to <paramref name="lease"/>, or (when the watch lags behind) to the freshest version of it.</summary>
    /// <param name="lease">The object as the watch delivered it, without the finalizer.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>A task that completes when the finalizer was added, or the fresh object needs none.</returns>
    public async Task EnsureAsync(Lease lease, CancellationToken cancellationToken)
    {
        if (await PatchAsync(lease, add: true, cancellationToken))
        {
            return;
        }

        // The watch lags behind: add it to the freshest version instead of conflicting on every reconcile.
        var fresh = await _store.GetAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, cancellationToken);
        if (!Has(fresh) && fresh.Metadata.DeletionTimestamp is null)
        {
            await PatchAsync(fresh, add: true, cancellationToken);
        }
    }

    /// <summary>Removes the finalizer from the freshest version of the object.</summary>
    /// <param name="lease">The object.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns><see langword="false"/> when another writer raced this one (retry soon); <see langword="true"/> when it is gone or the object is.</returns>
    public async Task<bool> RemoveAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            var fresh = await _store.GetAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, cancellationToken);
            return !Has(fresh) || await PatchAsync(fresh, add: false, cancellationToken);
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return true;
        }
    }

    private async Task<bool> PatchAsync(Lease lease, bool add, CancellationToken cancellationToken)
    {
        var finalizers = new List<string>(lease.Metadata.Finalizers ?? []);
        if (add)
        {
            finalizers.Add(MultiClusterLeaseApi.Finalizer);
        }
        else
        {
            finalizers.RemoveAll(f => f == MultiClusterLeaseApi.Finalizer);
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                ["resourceVersion"] = lease.Metadata.ResourceVersion,
            },
        };
        try
        {
            await _store.PatchAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, patch.ToJsonString(), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex.IsConflict())
        {
            // A newer version is on its way through the watch; the next reconcile retries.
            return false;
        }
        catch (Exception ex) when (ex.IsNotFound() && !add)
        {
            return true;
        }
    }
}
