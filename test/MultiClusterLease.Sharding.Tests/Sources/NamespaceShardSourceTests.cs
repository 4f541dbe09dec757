using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Sharding.Sources;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Sources;

public sealed class NamespaceShardSourceTests
{
    [Fact]
    public async Task Namespaces_selected_by_label_are_listed_then_watched_as_they_come_and_go()
    {
        await using var cluster = await SandboxCluster.StartAsync();
        var client = cluster.Client("test");
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a", Labels = new Dictionary<string, string> { ["shard"] = "true" } } });
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } });

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var source = new NamespaceShardSource(client, "shard=true", TimeProvider.System, NullLogger<NamespaceShardSource>.Instance);
        await using var snapshots = source.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await snapshots.MoveNextAsync());
        Assert.Equal(["team-a"], snapshots.Current);

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-b", Labels = new Dictionary<string, string> { ["shard"] = "true" } } });
        Assert.True(await snapshots.MoveNextAsync());
        Assert.Equal(["team-a", "team-b"], snapshots.Current.Order());

        // Losing the label is a deletion for a selecting watch.
        var patch = new V1Patch("""{"metadata":{"labels":{"shard":null}}}""", V1Patch.PatchType.MergePatch);
        await client.CoreV1.PatchNamespaceAsync(patch, "team-a");
        Assert.True(await snapshots.MoveNextAsync());
        Assert.Equal(["team-b"], snapshots.Current);
        await stop.CancelAsync();
    }
}
