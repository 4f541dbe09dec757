using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Json;
using MultiClusterLease.Simulation.Faults;
using MultiClusterLease.Simulation.Scheduling;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// The <see cref="IKubernetesApi"/> of one process on a <see cref="SimulatedConnection"/>: the seam the election
/// controller and the candidate use today. Serves <c>MultiClusterLease</c> objects with merge patches only.
/// </summary>
internal sealed class SimulatedKubernetesApi : IKubernetesApi
{
    private readonly SimulatedConnection _connection;

    public SimulatedKubernetesApi(SimulatedConnection connection) => _connection = connection;

    private SimulatedCluster Cluster => _connection.Cluster;

    private Task<T> CallAsync<T>(Func<T> operation, bool write, CancellationToken cancellationToken) => _connection.CallAsync(operation, write, cancellationToken);

    public Task<T> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default) where T : class
        => CallAsync(() => SimulatedCluster.As<T>(Cluster.Get(@namespace, name)), write: false, cancellationToken);

    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) where T : class
        => CallAsync(
            () =>
            {
                var (items, version) = Cluster.List(@namespace, options?.FieldSelector);
                return new KubernetesList<T> { Metadata = new ListMeta { ResourceVersion = version.ToString(CultureInfo.InvariantCulture) }, Items = items.Select(SimulatedCluster.As<T>).ToList() };
            },
            write: false,
            cancellationToken);

    public Task<T> CreateAsync<T>(ResourceType type, string? @namespace, T value, CancellationToken cancellationToken = default) where T : class
    {
        var body = JsonSerializer.SerializeToNode(value, KubernetesJson.Options)!.AsObject();
        return CallAsync(() => SimulatedCluster.As<T>(Cluster.Create(@namespace, body)), write: true, cancellationToken);
    }

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string patch, string? subresource = null, CancellationToken cancellationToken = default) where T : class
    {
        if (patchType != PatchType.Merge)
        {
            throw new NotSupportedException("The simulation serves merge patches only.");
        }

        return PatchTypedAsync<T>(@namespace, name, patch, subresource, cancellationToken);
    }

    public Task<T> ReplaceAsync<T>(ResourceType type, string? @namespace, string name, T value, string? subresource = null, CancellationToken cancellationToken = default) where T : class
        => throw new NotSupportedException("Nothing under simulation replaces objects.");

    public Task DeleteAsync(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
        => CallAsync(
            () =>
            {
                Cluster.Delete(@namespace, name);
                return true;
            },
            write: true,
            cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default) where T : class
    {
        await foreach (var (kind, obj, version) in _connection.WatchAsync(@namespace, options.FieldSelector, options.ResourceVersion, cancellationToken))
        {
            yield return kind == WatchEventType.Error
                ? new WatchEvent<T>(WatchEventType.Error, null, new KubernetesStatus { Code = 410, Reason = "Expired", Message = "too old resource version" }, null)
                : new WatchEvent<T>(kind, obj is null ? null : SimulatedCluster.As<T>(obj), null, version.ToString(CultureInfo.InvariantCulture));
        }
    }

    private async Task<T> PatchTypedAsync<T>(string? @namespace, string name, string patch, string? subresource, CancellationToken cancellationToken)
        => SimulatedCluster.As<T>(await _connection.PatchAsync(@namespace, name, patch, subresource, cancellationToken));
}
