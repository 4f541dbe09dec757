using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MultiClusterLease.Sandbox.Kubernetes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

public sealed class WatchTests : ServerTestBase
{
    protected override FakeKubernetesApiServerOptions Options => new() { ClusterName = "watch", BookmarkInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_ADDED_for_every_object_then_streams_changes()
    {
        await Api.CreateAsync(Lease("a"));
        await Api.CreateAsync(Lease("b"));
        await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "pod-b" } });

        foreach (var query in new[] { "watch=true", "watch=1&resourceVersion=0" })
        {
            using var watch = await Api.WatchAsync($"{Leases}?{query}");
            var first = await watch.ExpectAsync("ADDED");
            Assert.Equal("a", (string?)first["metadata"]!["name"]);
            Assert.Equal("pod-b", (string?)first["spec"]!["holderIdentity"]);
            Assert.Equal("b", (string?)(await watch.ExpectAsync("ADDED"))["metadata"]!["name"]);

            var updated = await Api.MergeAsync("b", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = query } });
            var modified = await watch.ExpectAsync("MODIFIED");
            Assert.True(JsonNode.DeepEquals(updated, modified));
        }
    }

    [Fact]
    public async Task Watch_from_a_resourceVersion_replays_every_later_change_in_order()
    {
        var created = await Api.CreateAsync(Lease("a"));
        var second = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "2" } });
        await Api.CreateAsync(Lease("b"));
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, $"/apis/{Group}/{ApiVersion}/namespaces/elsewhere/{Plural}", Lease("x"));
        var third = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "3" } });
        await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Leases}/b");

        using var watch = await Api.WatchAsync($"{Leases}?watch=true&resourceVersion={Rv(created)}");
        Assert.Equal(Rv(second), Rv(await watch.ExpectAsync("MODIFIED")));
        Assert.Equal("b", (string?)(await watch.ExpectAsync("ADDED"))["metadata"]!["name"]);
        Assert.Equal(Rv(third), Rv(await watch.ExpectAsync("MODIFIED")));
        var deleted = await watch.ExpectAsync("DELETED");
        Assert.Equal(Server.ResourceVersion.ToString(), Rv(deleted));

        var live = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "4" } });
        Assert.Equal(Rv(live), Rv(await watch.ExpectAsync("MODIFIED")));

        using var all = await Api.WatchAsync($"{AllLeases}?watch=true&resourceVersion={Rv(third)}");
        Assert.Equal("DELETED", (string?)(await all.NextAsync())!["type"]);
        Assert.Equal(Rv(live), Rv(await all.ExpectAsync("MODIFIED")));
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_gets_one_410_Expired_error_and_ends()
    {
        var created = await Api.CreateAsync(Lease("a"));
        await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "2" } });
        Server.CompactWatchHistory();

        using var expired = await Api.WatchAsync($"{Leases}?watch=true&resourceVersion={Rv(created)}");
        var status = await expired.ExpectAsync("ERROR");
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal(410, (int)status["code"]!);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Null(await expired.NextAsync());

        using var current = await Api.WatchAsync($"{Leases}?watch=true&resourceVersion={Server.ResourceVersion}");
        var next = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "3" } });
        Assert.Equal(Rv(next), Rv(await current.ExpectAsync("MODIFIED")));
    }

    [Fact]
    public async Task History_is_bounded_by_WatchHistoryLimit()
    {
        await using var server = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions { WatchHistoryLimit = 3 });
        using var api = new ApiClient(server);
        var created = await api.CreateAsync(Lease("a"));
        for (var i = 0; i < 3; i++)
        {
            await api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = $"{i}" } });
        }

        using var expired = await api.WatchAsync($"{Leases}?watch=true&resourceVersion={long.Parse(Rv(created)) - 1}");
        Assert.Equal(410, (int)(await expired.ExpectAsync("ERROR"))["code"]!);
        using var retained = await api.WatchAsync($"{Leases}?watch=true&resourceVersion={Rv(created)}");
        Assert.Equal("0", (string?)(await retained.ExpectAsync("MODIFIED"))["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task Watch_sends_bookmarks_with_the_current_resourceVersion_when_asked()
    {
        await Api.CreateAsync(Lease("a"));
        using var watch = await Api.WatchAsync($"{Leases}?watch=true&allowWatchBookmarks=true&resourceVersion={Server.ResourceVersion}");
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            JsonNode.Parse("""{"metadata":{"name":"unrelated"}}"""));
        var expected = Server.ResourceVersion.ToString();

        // Bookmarks keep coming; one sent after the unrelated write carries its resourceVersion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        JsonObject bookmark;
        do
        {
            bookmark = await watch.ExpectAsync("BOOKMARK");
            Assert.Equal("MultiClusterLease", (string?)bookmark["kind"]);
            Assert.True(DateTime.UtcNow < deadline, "no bookmark with the current resourceVersion");
        }
        while (Rv(bookmark) != expected);

        using var plain = await Api.WatchAsync($"{Leases}?watch=true&resourceVersion={Server.ResourceVersion}&timeoutSeconds=1");
        Assert.Null(await plain.NextAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SendInitialEvents_ends_the_initial_events_with_an_annotated_bookmark()
    {
        await Api.CreateAsync(Lease("a"));
        using var watch = await Api.WatchAsync($"{Leases}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
        await watch.ExpectAsync("ADDED");
        var bookmark = await watch.ExpectAsync("BOOKMARK");
        Assert.Equal("true", (string?)bookmark["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
        Assert.Equal(Server.ResourceVersion.ToString(), Rv(bookmark));
    }

    [Fact]
    public async Task Watch_with_a_selector_sees_objects_enter_and_leave_the_selection()
    {
        using var watch = await Api.WatchAsync($"{AllLeases}?watch=true&labelSelector=role%3Dleader&resourceVersion={Server.ResourceVersion}");
        await Api.CreateAsync(Lease("a"));
        var labelled = await Api.MergeAsync("a", JsonNode.Parse("""{"metadata":{"labels":{"role":"leader"}}}""")!);
        Assert.Equal(Rv(labelled), Rv(await watch.ExpectAsync("ADDED")));
        var unlabelled = await Api.MergeAsync("a", JsonNode.Parse("""{"metadata":{"labels":{"role":null}}}""")!);
        var left = await watch.ExpectAsync("DELETED");
        Assert.Equal(Rv(unlabelled), Rv(left));
        Assert.Equal("leader", (string?)left["metadata"]!["labels"]!["role"]);

        using var byName = await Api.WatchAsync($"{Leases}?watch=true&fieldSelector=metadata.name%3Db");
        await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "x" } });
        await Api.CreateAsync(Lease("b"));
        Assert.Equal("b", (string?)(await byName.ExpectAsync("ADDED"))["metadata"]!["name"]);
    }

    [Fact]
    public async Task Open_watches_end_cleanly_when_the_server_stops()
    {
        var server = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions());
        using var api = new ApiClient(server);
        using var watch = await api.WatchAsync($"{Leases}?watch=true");
        var stopwatch = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.Null(await watch.NextAsync());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"stopping took {stopwatch.Elapsed}");
    }
}
