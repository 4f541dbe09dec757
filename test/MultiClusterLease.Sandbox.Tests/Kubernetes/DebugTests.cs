using System.Text.Json.Nodes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

public sealed class DebugTests : ServerTestBase
{
    [Fact]
    public async Task Race()
    {
        await Api.CreateAsync(Lease("a"));
        var rv = Server.ResourceVersion;
        var watchTask = Api.WatchAsync($"{Leases}?allowWatchBookmarks=true&fieldSelector=metadata.name%3Da&resourceVersion={rv}&timeoutSeconds=342&watch=true");
        await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"x"}}""")!, status: true);
        using var watch = await watchTask;
        var e = await watch.NextAsync(TimeSpan.FromSeconds(8));
        Assert.Equal("MODIFIED", (string?)e!["type"]);
    }
}
