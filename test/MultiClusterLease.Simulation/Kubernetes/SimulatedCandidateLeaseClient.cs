using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// A candidate's <see cref="ICandidateLeaseClient"/> over a <see cref="SimulatedConnection"/>: its one
/// <c>MultiClusterLease</c> in one simulated cluster, read, created, merge-patched and list-watched by name.
/// </summary>
internal sealed class SimulatedCandidateLeaseClient : ICandidateLeaseClient
{
    private readonly SimulatedConnection _connection;
    private readonly string _namespace;
    private readonly string _name;

    public SimulatedCandidateLeaseClient(SimulatedConnection connection, string @namespace, string name)
    {
        _connection = connection;
        _namespace = @namespace;
        _name = name;
    }

    public async Task<V1Alpha1MultiClusterLease?> GetAsync(CancellationToken cancellationToken)
    {
        var found = await _connection.CallAsync(
            () => _connection.Cluster.TryGet(_namespace, _name) is { } obj ? SimulatedCluster.As<V1Alpha1MultiClusterLease>(obj) : null,
            write: false,
            cancellationToken);
        return found;
    }

    public Task<V1Alpha1MultiClusterLease> CreateAsync(V1Alpha1MultiClusterLease lease, CancellationToken cancellationToken)
    {
        var body = SimulatedCluster.ToNode(lease);
        return _connection.CallAsync(() => SimulatedCluster.As<V1Alpha1MultiClusterLease>(_connection.Cluster.Create(_namespace, body)), write: true, cancellationToken);
    }

    public async Task<V1Alpha1MultiClusterLease> PatchAsync(string mergePatch, CancellationToken cancellationToken)
        => SimulatedCluster.As<V1Alpha1MultiClusterLease>(await _connection.PatchAsync(_namespace, _name, mergePatch, null, cancellationToken));

    public IResourceListWatch<V1Alpha1MultiClusterLease> ListWatch() => new SimulatedLeaseListWatch(_connection, _namespace, $"metadata.name={_name}");
}
