using System.Net;
using System.Threading.Channels;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Tests.TestSupport;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Kubernetes.Tests.Client;

public sealed class ResourceWatcherTests : IAsyncDisposable
{
    private readonly FakeKubernetesApi api = new();
    private readonly RecordingTimeProvider time = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Channel<WatchEvent<Lease>> received = Channel.CreateUnbounded<WatchEvent<Lease>>();
    private Task? pump;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (pump is not null)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump);
        }

        stop.Dispose();
    }

    [Fact]
    public async Task Lists_then_watches_from_the_list_version_and_resumes_from_the_last_version_seen_including_bookmarks()
    {
        api.Lists.Enqueue(() => List("10", Lease("a", "1"), Lease("b", "2")));
        api.Watches.Enqueue(new WatchScript([Event(WatchEventType.Modified, Lease("a", "11")), Bookmark("15")]));
        api.Watches.Enqueue(new WatchScript([Event(WatchEventType.Deleted, Lease("b", "16"))], StayOpen: true));
        var watcher = Start(new ResourceWatcherOptions { Namespace = "ns", LabelSelector = "app=x", WatchTimeoutSeconds = 120 });

        var events = await NextAsync(4);

        Assert.Equal(
            [(WatchEventType.Added, "a", "1"), (WatchEventType.Added, "b", "2"), (WatchEventType.Modified, "a", "11"), (WatchEventType.Deleted, "b", "16")],
            events.Select(e => (e.Type, e.Object!.Metadata.Name!, e.ResourceVersion!)));
        Assert.Equal(["10", "15"], api.WatchCalls.Select(w => w.ResourceVersion));
        Assert.All(api.WatchCalls, w => Assert.Equal(("app=x", 120, true), (w.LabelSelector, w.TimeoutSeconds, w.AllowBookmarks)));
        Assert.Equal("app=x", Assert.Single(api.ListCalls)!.LabelSelector);
        Assert.Equal(1, watcher.Restarts);
        Assert.True(watcher.IsConnected);
        Assert.Equal(time.GetUtcNow(), watcher.LastSyncTime);
        Assert.Empty(time.Timers); // a stream that delivered events is re-opened at once
    }

    [Fact]
    public async Task Gone_when_opening_the_watch_relists_and_synthesizes_the_differences()
    {
        api.Lists.Enqueue(() => List("10", Lease("a", "1"), Lease("b", "2"), Lease("c", "3")));
        api.Watches.Enqueue(new WatchScript([], new KubernetesApiException(HttpStatusCode.Gone, new KubernetesStatus { Reason = "Expired", Code = 410 }, "GET x")));
        api.Lists.Enqueue(() => List("20", Lease("a", "1"), Lease("b", "5"), Lease("d", "6")));
        var watcher = Start();

        var events = await NextAsync(6);

        Assert.Equal(
            [
                (WatchEventType.Added, "a"), (WatchEventType.Added, "b"), (WatchEventType.Added, "c"),
                (WatchEventType.Modified, "b"), (WatchEventType.Added, "d"), (WatchEventType.Deleted, "c"),
            ],
            events.Select(e => (e.Type, e.Object!.Metadata.Name!)));
        await TestWait.UntilAsync(() => api.WatchCalls.Count == 2);
        Assert.Equal(["10", "20"], api.WatchCalls.Select(w => w.ResourceVersion));
        Assert.Equal(2, api.ListCalls.Count);
        Assert.Equal(1, watcher.Restarts);
        Assert.Empty(time.Timers);
    }

    [Fact]
    public async Task A_410_error_event_relists_and_reports_objects_deleted_meanwhile_as_Deleted()
    {
        api.Lists.Enqueue(() => List("10", Lease("a", "1")));
        api.Watches.Enqueue(new WatchScript(
        [
            Event(WatchEventType.Added, Lease("b", "11")),
            new WatchEvent<Lease>(WatchEventType.Error, null, new KubernetesStatus { Reason = "Expired", Code = 410, Message = "too old" }, null),
            Event(WatchEventType.Modified, Lease("a", "99")), // never delivered: the stream is abandoned at the error
        ]));
        api.Lists.Enqueue(() => List("30", Lease("a", "1")));

        Start();
        var events = await NextAsync(3);

        Assert.Equal(
            [(WatchEventType.Added, "a", "1"), (WatchEventType.Added, "b", "11"), (WatchEventType.Deleted, "b", "11")],
            events.Select(e => (e.Type, e.Object!.Metadata.Name!, e.Object!.Metadata.ResourceVersion!)));
        await TestWait.UntilAsync(() => api.WatchCalls.Count == 2);
        Assert.Equal("30", api.WatchCalls.Last().ResourceVersion);
    }

    [Fact]
    public async Task Failures_back_off_exponentially_on_the_time_provider_then_resume_from_the_same_version()
    {
        api.Lists.Enqueue(() => List("10", Lease("a", "1")));
        api.Watches.Enqueue(new WatchScript([Event(WatchEventType.Modified, Lease("a", "12"))], new HttpRequestException("connection reset")));
        api.Watches.Enqueue(new WatchScript([], new KubernetesApiException(HttpStatusCode.InternalServerError, null, "GET x")));
        var watcher = Start();
        await NextAsync(2);

        await TestWait.UntilAsync(() => time.Timers.Count == 1);
        Assert.InRange(time.Timers.ElementAt(0), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.Single(api.WatchCalls);
        Assert.False(watcher.IsConnected);

        time.Advance(TimeSpan.FromMilliseconds(200));
        await TestWait.UntilAsync(() => time.Timers.Count == 2);
        Assert.InRange(time.Timers.ElementAt(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400));
        Assert.Equal(2, api.WatchCalls.Count);

        time.Advance(TimeSpan.FromMilliseconds(400));
        await TestWait.UntilAsync(() => api.WatchCalls.Count == 3);
        Assert.Equal(["10", "12", "12"], api.WatchCalls.Select(w => w.ResourceVersion));
        Assert.Single(api.ListCalls);
        Assert.Equal(2, watcher.Restarts);
    }

    [Fact]
    public async Task A_failed_list_is_retried_after_a_backoff()
    {
        api.Lists.Enqueue(() => throw new HttpRequestException("refused"));
        api.Lists.Enqueue(() => List("10", Lease("a", "1")));
        var watcher = Start();

        await TestWait.UntilAsync(() => time.Timers.Count == 1);
        Assert.Single(api.ListCalls);
        Assert.Null(watcher.LastSyncTime);
        time.Advance(TimeSpan.FromMilliseconds(200));

        var added = Assert.Single(await NextAsync(1));
        Assert.Equal("a", added.Object!.Metadata.Name);
        Assert.True(watcher.IsConnected);
    }

    private ResourceWatcher<Lease> Start(ResourceWatcherOptions? options = null)
    {
        var watcher = new ResourceWatcher<Lease>(api, ResourceType.MultiClusterLeases, options, time);
        pump = Task.Run(async () =>
        {
            await foreach (var e in watcher.WatchAsync(stop.Token))
            {
                await received.Writer.WriteAsync(e);
            }
        });
        return watcher;
    }

    private async Task<List<WatchEvent<Lease>>> NextAsync(int count)
    {
        var events = new List<WatchEvent<Lease>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (events.Count < count)
        {
            events.Add(await received.Reader.ReadAsync(timeout.Token));
        }

        return events;
    }

    private static Lease Lease(string name, string resourceVersion)
        => new() { Metadata = new ObjectMeta { Name = name, Namespace = "ns", ResourceVersion = resourceVersion } };

    private static KubernetesList<Lease> List(string resourceVersion, params Lease[] items)
        => new() { Metadata = new ListMeta { ResourceVersion = resourceVersion }, Items = [.. items] };

    private static WatchEvent<Lease> Event(WatchEventType type, Lease lease) => new(type, lease, null, lease.Metadata.ResourceVersion);

    private static WatchEvent<Lease> Bookmark(string resourceVersion)
        => new(WatchEventType.Bookmark, new Lease { Metadata = new ObjectMeta { ResourceVersion = resourceVersion } }, null, resourceVersion);
}
