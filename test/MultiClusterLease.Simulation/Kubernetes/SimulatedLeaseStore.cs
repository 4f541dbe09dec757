using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// The controller's <see cref="IMultiClusterLeaseStore"/> over a <see cref="SimulatedConnection"/>: reads, status and
/// metadata merge patches, and list-watches of one simulated cluster, failing as the official client does (404, 409 as
/// <c>HttpOperationException</c>; transport errors as <see cref="HttpRequestException"/>).
/// </summary>
internal sealed class SimulatedLeaseStore : IMultiClusterLeaseStore
{
    private readonly SimulatedConnection _connection;

    public SimulatedLeaseStore(SimulatedConnection connection) => _connection = connection;

    public Task<V1Alpha1MultiClusterLease> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
        => _connection.CallAsync(() => SimulatedCluster.As<V1Alpha1MultiClusterLease>(_connection.Cluster.Get(@namespace, name)), write: false, cancellationToken);

    public Task PatchStatusAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
        => _connection.PatchAsync(@namespace, name, mergePatch, "status", cancellationToken);

    public Task PatchAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
        => _connection.PatchAsync(@namespace, name, mergePatch, null, cancellationToken);

    public IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch(string? @namespace) => new SimulatedLeaseListWatch(_connection, @namespace, null);
}
