using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Tests.TestSupport;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Kubernetes.Tests.Watching;

/// <summary>
/// The list-watch loop over the official client's watch against the fake API server: what the official client lacks
/// (resume, re-list on 410) is what this loop adds.
/// </summary>
public sealed class OfficialWatchTests
{
    [Fact]
    public async Task TheOfficialWatchReportsAnExpiredVersionToOnError_NotAsAnEvent()
    {
        await using var cluster = await SandboxCluster.StartAsync();
        await CreateAsync(cluster, "a");
        cluster.Server.CompactWatchHistory();
        await CreateAsync(cluster, "b");
        cluster.Server.CompactWatchHistory();

        var source = ListWatch(cluster);
        var errors = new List<Exception>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<WatchEventType>();
        try
        {
            await foreach (var (type, _) in source.WatchAsync("1", errors.Add, timeout.Token))
            {
                events.Add(type);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Empty(events);
        Assert.Contains(errors, e => e is KubernetesException { Status.Code: 410 });
    }

    [Fact]
    public async Task ListsThenWatches_OverTheOfficialClient_AcrossStreamTimeouts()
    {
        await using var cluster = await SandboxCluster.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(200));
        await CreateAsync(cluster, "a");
        var watcher = new ResourceWatcher<V1Alpha1MultiClusterLease>(ListWatch(cluster, timeoutSeconds: 1));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = System.Threading.Channels.Channel.CreateUnbounded<ResourceChange<V1Alpha1MultiClusterLease>>();
        var pump = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync(stop.Token))
            {
                await seen.Writer.WriteAsync(change);
            }
        });

        var first = await seen.Reader.ReadAsync(stop.Token);
        Assert.Equal((WatchEventType.Added, "a"), (first.Type, first.Object.Metadata.Name));

        // Each stream ends after a second (timeoutSeconds) and is re-opened from the last version seen.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await CreateAsync(cluster, "b");
        var second = await seen.Reader.ReadAsync(stop.Token);
        Assert.Equal((WatchEventType.Added, "b"), (second.Type, second.Object.Metadata.Name));

        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, "default", MultiClusterLeaseApi.Plural, "a");
        var deleted = await seen.Reader.ReadAsync(stop.Token);
        Assert.Equal((WatchEventType.Deleted, "a"), (deleted.Type, deleted.Object.Metadata.Name));
        Assert.True(watcher.IsConnected);
        Assert.True(watcher.Restarts >= 1, "the stream never ended and resumed");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump);
    }

    private static CustomResourceListWatch<V1Alpha1MultiClusterLease, V1Alpha1MultiClusterLeaseList> ListWatch(SandboxCluster cluster, int timeoutSeconds = 300)
        => new(cluster.Client, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, "default", timeoutSeconds: timeoutSeconds);

    private static Task<V1Alpha1MultiClusterLease> CreateAsync(SandboxCluster cluster, string name)
        => cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<V1Alpha1MultiClusterLease>(
            new V1Alpha1MultiClusterLease { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Spec = new() { HolderIdentity = "x" } },
            MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, "default", MultiClusterLeaseApi.Plural);
}
