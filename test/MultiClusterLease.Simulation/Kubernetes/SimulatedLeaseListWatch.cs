using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// The <see cref="IResourceListWatch{T}"/> of <c>MultiClusterLease</c> objects over a <see cref="SimulatedConnection"/>:
/// what the real <see cref="ResourceWatcher{T}"/> of the controller and of a candidate lists and watches under
/// simulation. A version too old for the server's history is reported to <c>onError</c> as a 410 <c>Status</c>, as the
/// official client reports it, not as an event.
/// </summary>
internal sealed class SimulatedLeaseListWatch : IResourceListWatch<V1Alpha1MultiClusterLease>
{
    private readonly SimulatedConnection _connection;
    private readonly string? _namespace;
    private readonly string? _fieldSelector;

    public SimulatedLeaseListWatch(SimulatedConnection connection, string? @namespace, string? fieldSelector)
    {
        _connection = connection;
        _namespace = @namespace;
        _fieldSelector = fieldSelector;
        Description = $"multiclusterleases in {@namespace ?? "all namespaces"} of {connection.Cluster.Name}";
    }

    public string Description { get; }

    public Task<ResourceListPage<V1Alpha1MultiClusterLease>> ListAsync(CancellationToken cancellationToken)
        => _connection.CallAsync(
            () =>
            {
                var (items, version) = _connection.Cluster.List(_namespace, _fieldSelector);
                return new ResourceListPage<V1Alpha1MultiClusterLease>(
                    items.Select(SimulatedCluster.As<V1Alpha1MultiClusterLease>).ToList(),
                    version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            },
            write: false,
            cancellationToken);

    public async IAsyncEnumerable<(WatchEventType Type, V1Alpha1MultiClusterLease Object)> WatchAsync(string? resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (kind, obj, _) in _connection.WatchAsync(_namespace, _fieldSelector, resourceVersion, cancellationToken))
        {
            if (kind == WatchEventType.Error || obj is null)
            {
                onError(new KubernetesException(new V1Status { Code = 410, Reason = "Expired", Message = "too old resource version", Status = "Failure" }));
                yield break;
            }

            yield return (kind, SimulatedCluster.As<V1Alpha1MultiClusterLease>(obj));
        }
    }
}
