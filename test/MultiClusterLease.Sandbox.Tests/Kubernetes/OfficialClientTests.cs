using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using MultiClusterLease.Sandbox.Kubernetes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

// The typed watch over ListNamespacedCustomObjectWithHttpMessagesAsync(watch: true) is what the product's list-watch
// uses; the official client marks it obsolete in favour of the untyped WatchList* methods.
#pragma warning disable CS0618

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

/// <summary>The official client's ordinary requests, as the product makes them, against the fake API server.</summary>
public sealed class OfficialClientTests : OfficialClientTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected override FakeKubernetesApiServerOptions Options => new() { ClusterName = "official", BookmarkInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Custom_objects_create_get_list_patch_status_and_replace()
    {
        var created = Convert(await CreateAsync(NewLease("a")));
        await CreateAsync(NewLease("b"));
        Assert.Equal((1L, "default"), (created.Metadata.Generation, created.Metadata.NamespaceProperty));

        var list = (System.Text.Json.JsonElement)await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural);
        Assert.Equal(["a", "b"], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()));
        Assert.Equal(Server.ResourceVersion.ToString(), list.GetProperty("metadata").GetProperty("resourceVersion").GetString());

        var merged = Convert(await PatchAsync("a", new V1Patch("""{"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.MergePatch)));
        Assert.Equal(("pod-b", 2L), ((string?)merged.Spec!["holderIdentity"], merged.Metadata.Generation));
        var json = Convert(await PatchAsync("a", new V1Patch("""[{"op":"replace","path":"/spec/leaseDurationSeconds","value":20}]""", V1Patch.PatchType.JsonPatch)));
        Assert.Equal(20, (int)json.Spec!["leaseDurationSeconds"]!);

        var status = Convert(await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"globalHolderIdentity":"pod-b","fencingToken":3}}""", V1Patch.PatchType.MergePatch), Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(("pod-b", 3L), ((string?)status.Status!["globalHolderIdentity"], (long)status.Status["fencingToken"]!));
        Assert.Equal(json.Metadata.Generation, status.Metadata.Generation);

        // A conditional merge patch (resourceVersion in the body) on a stale version is 409.
        var stale = new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"spec":{"holderIdentity":"x"}}""", V1Patch.PatchType.MergePatch);
        var (code, body) = await RefusedAsync(() => PatchAsync("a", stale));
        Assert.Equal((HttpStatusCode.Conflict, "Conflict"), (code, (string?)body["reason"]));

        var current = await GetAsync("a");
        current.Spec!["holderIdentity"] = "pod-c";
        current.Status = new() { ["globalHolderIdentity"] = "ignored on the main resource" };
        var replaced = Convert(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(current, Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(("pod-c", "pod-b"), ((string?)replaced.Spec!["holderIdentity"], (string?)replaced.Status!["globalHolderIdentity"]));
        (code, _) = await RefusedAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(current, Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task Watch_from_a_resourceVersion_streams_the_later_changes_and_bookmarks()
    {
        var first = Convert(await CreateAsync(NewLease("a")));
        var modified = Convert(await PatchAsync("a", new V1Patch("""{"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.MergePatch)));
        var errors = new ConcurrentQueue<Exception>();
        using var cancel = new CancellationTokenSource(Timeout);

        // As the product's list-watch does: the typed stream over the official watch.
        var response = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            Group, ApiVersion, "default", Plural, watch: true, resourceVersion: first.Metadata.ResourceVersion, allowWatchBookmarks: true, timeoutSeconds: 60, cancellationToken: cancel.Token);
        await using var events = response.WatchAsync<McLease, object>(errors.Enqueue, cancel.Token).GetAsyncEnumerator(cancel.Token);

        var replayed = await NextAsync(events, WatchEventType.Modified);
        Assert.Equal(modified.Metadata.ResourceVersion, replayed.Metadata.ResourceVersion);
        var bookmark = await NextAsync(events, WatchEventType.Bookmark);
        Assert.Equal(Server.ResourceVersion.ToString(), bookmark.Metadata.ResourceVersion);

        await CreateAsync(NewLease("b"));
        Assert.Equal("b", (await NextAsync(events, WatchEventType.Added)).Metadata.Name);
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, "b");
        var deleted = await NextAsync(events, WatchEventType.Deleted);
        Assert.Equal(("b", Server.ResourceVersion.ToString()), (deleted.Metadata.Name, deleted.Metadata.ResourceVersion));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_reports_410_to_onError_and_ends()
    {
        var created = Convert(await CreateAsync(NewLease("a")));
        await PatchAsync("a", new V1Patch("""{"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.MergePatch));
        Server.CompactWatchHistory();
        var errors = new ConcurrentQueue<Exception>();
        using var cancel = new CancellationTokenSource(Timeout);

        var response = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            Group, ApiVersion, "default", Plural, watch: true, resourceVersion: created.Metadata.ResourceVersion, allowWatchBookmarks: true, cancellationToken: cancel.Token);
        var received = new List<WatchEventType>();
        await foreach (var (type, _) in response.WatchAsync<McLease, object>(errors.Enqueue, cancel.Token))
        {
            received.Add(type);
        }

        Assert.Empty(received);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal((410, "Expired"), (error.Status.Code, error.Status.Reason));
    }

    [Fact]
    public async Task LeaseLock_creates_reads_and_updates_the_Lease_with_optimistic_concurrency()
    {
        var leaseLock = new LeaseLock(Client, "kube-system", "controller", "pod-a");
        var now = DateTime.UtcNow;
        Assert.True(await leaseLock.CreateAsync(new LeaderElectionRecord { HolderIdentity = "pod-a", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now }));
        Assert.False(await leaseLock.CreateAsync(new LeaderElectionRecord { HolderIdentity = "pod-b", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now }));

        var record = await leaseLock.GetAsync();
        Assert.Equal(("pod-a", 15), (record.HolderIdentity, record.LeaseDurationSeconds));
        record.RenewTime = now.AddSeconds(2);
        Assert.True(await leaseLock.UpdateAsync(record));

        // Another candidate holding an older read loses: its replace carries a stale resourceVersion.
        var other = new LeaseLock(Client, "kube-system", "controller", "pod-b");
        var seen = await other.GetAsync();
        var renewed = await leaseLock.GetAsync();
        renewed.RenewTime = now.AddSeconds(4);
        Assert.True(await leaseLock.UpdateAsync(renewed));
        Assert.False(await other.UpdateAsync(new LeaderElectionRecord { HolderIdentity = "pod-b", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now, LeaderTransitions = seen.LeaderTransitions + 1 }));
        Assert.Equal("pod-a", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("controller", "kube-system")).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Events_namespaces_and_configmaps_of_the_core_group()
    {
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "a." },
            InvolvedObject = new V1ObjectReference { ApiVersion = $"{Group}/{ApiVersion}", Kind = "MultiClusterLease", Name = "a", NamespaceProperty = "default" },
            Reason = "Elected",
            Message = "pod-a is the leader",
            Type = "Normal",
            Source = new V1EventSource { Component = "multicluster-leader-election" },
            FirstTimestamp = DateTime.UtcNow,
            LastTimestamp = DateTime.UtcNow,
            Count = 1,
        };
        var created = await Client.CoreV1.CreateNamespacedEventAsync(ev, "default");
        Assert.StartsWith("a.", created.Metadata.Name);
        var events = await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=a");
        Assert.Equal(["Elected"], events.Items.Select(e => e.Reason));

        Assert.Contains("default", (await Client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name));
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a" } });
        Assert.Equal("Active", ns.Status.Phase);
        Assert.Equal("team-a", (await Client.CoreV1.ReadNamespaceAsync("team-a")).Metadata.Name);

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "shards" }, Data = new Dictionary<string, string> { ["count"] = "4" } }, "team-a");
        var map = await Client.CoreV1.ReadNamespacedConfigMapAsync("shards", "team-a");
        map.Data["count"] = "8";
        Assert.Equal("8", (await Client.CoreV1.ReplaceNamespacedConfigMapAsync(map, "shards", "team-a")).Data["count"]);
        Assert.Equal(["shards"], (await Client.CoreV1.ListNamespacedConfigMapAsync("team-a")).Items.Select(c => c.Metadata.Name));
    }

    private static async Task<McLease> NextAsync(IAsyncEnumerator<(WatchEventType Type, McLease Object)> events, WatchEventType expected)
    {
        Assert.True(await events.MoveNextAsync(), $"the watch ended while waiting for {expected}");
        Assert.Equal(expected, events.Current.Type);
        return events.Current.Object;
    }
}
