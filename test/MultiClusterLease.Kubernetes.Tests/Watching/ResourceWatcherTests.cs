using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Watching;

namespace MultiClusterLease.Kubernetes.Tests.Watching;

/// <summary>The list-watch loop over a scripted list-watch: resume, bookmarks, and the two shapes of 410 Gone.</summary>
public sealed class ResourceWatcherTests
{
    [Fact]
    public async Task ResumesFromTheLastVersionSeen_BookmarksIncluded()
    {
        var source = new ScriptedListWatch();
        source.Lists.Enqueue(() => new([Lease("a", "1"), Lease("b", "2")], "10"));
        source.Watches.Enqueue(new([(WatchEventType.Modified, Lease("a", "11")), (WatchEventType.Bookmark, Lease("", "15"))]));
        source.Watches.Enqueue(new([(WatchEventType.Deleted, Lease("b", "16"))], StayOpen: true));
        var watcher = new ResourceWatcher<V1Alpha1MultiClusterLease>(source);

        var changes = await TakeAsync(watcher, 4);

        Assert.Equal(
            [(WatchEventType.Added, "a", "1"), (WatchEventType.Added, "b", "2"), (WatchEventType.Modified, "a", "11"), (WatchEventType.Deleted, "b", "16")],
            changes.Select(c => (c.Type, c.Object.Metadata.Name, c.Object.Metadata.ResourceVersion)));
        Assert.Equal(["10", "15"], source.WatchCalls);
        Assert.Equal(1, source.ListCalls);
    }

    [Fact]
    public async Task GoneReportedInTheStreamToOnError_RelistsAndReportsTheDifference()
    {
        // The official client turns an ERROR event with a Status into a KubernetesException passed to onError.
        var source = new ScriptedListWatch();
        source.Lists.Enqueue(() => new([Lease("a", "1"), Lease("b", "2"), Lease("c", "3")], "10"));
        source.Watches.Enqueue(new([], StreamError: new KubernetesException(new V1Status { Code = 410, Reason = "Expired" }), StayOpen: true));
        source.Lists.Enqueue(() => new([Lease("a", "1"), Lease("b", "5"), Lease("d", "6")], "20"));
        source.Watches.Enqueue(new([], StayOpen: true));
        var watcher = new ResourceWatcher<V1Alpha1MultiClusterLease>(source);

        var changes = await TakeAsync(watcher, 6);

        Assert.Equal(
            [(WatchEventType.Modified, "b"), (WatchEventType.Added, "d"), (WatchEventType.Deleted, "c")],
            changes.Skip(3).Select(c => (c.Type, c.Object.Metadata.Name)));
        Assert.Equal(2, source.ListCalls);
        Assert.Equal("10", source.WatchCalls[0]);
    }

    [Fact]
    public async Task GoneAnsweredWhenOpeningTheWatch_Relists()
    {
        var source = new ScriptedListWatch();
        source.Lists.Enqueue(() => new([Lease("a", "1")], "10"));
        source.Watches.Enqueue(new([], OpenError: new HttpOperationException { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Gone), "") }));
        source.Lists.Enqueue(() => new([Lease("a", "7")], "30"));
        source.Watches.Enqueue(new([], StayOpen: true));
        var watcher = new ResourceWatcher<V1Alpha1MultiClusterLease>(source);

        var changes = await TakeAsync(watcher, 2);

        Assert.Equal([(WatchEventType.Added, "1"), (WatchEventType.Modified, "7")], changes.Select(c => (c.Type, c.Object.Metadata.ResourceVersion)));
        Assert.Equal(2, source.ListCalls);
        Assert.Equal("10", source.WatchCalls[0]);
    }

    [Fact]
    public async Task OtherFailures_AreRetriedAfterABackoff_FromTheSameVersion()
    {
        var source = new ScriptedListWatch();
        source.Lists.Enqueue(() => new([Lease("a", "1")], "10"));
        source.Watches.Enqueue(new([], OpenError: new HttpRequestException("connection refused")));
        source.Watches.Enqueue(new([(WatchEventType.Modified, Lease("a", "11"))], StayOpen: true));
        var watcher = new ResourceWatcher<V1Alpha1MultiClusterLease>(source, new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });

        var changes = await TakeAsync(watcher, 2);

        Assert.Equal("11", changes[1].Object.Metadata.ResourceVersion);
        Assert.Equal(["10", "10"], source.WatchCalls);
        Assert.Equal(1, source.ListCalls);
    }

    private static V1Alpha1MultiClusterLease Lease(string name, string version)
        => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = version } };

    private static async Task<List<ResourceChange<V1Alpha1MultiClusterLease>>> TakeAsync(ResourceWatcher<V1Alpha1MultiClusterLease> watcher, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var changes = new List<ResourceChange<V1Alpha1MultiClusterLease>>();
        await foreach (var change in watcher.WatchAsync(timeout.Token))
        {
            changes.Add(change);
            if (changes.Count == count)
            {
                break;
            }
        }

        return changes;
    }

    private sealed record WatchScript(
        IReadOnlyList<(WatchEventType Type, V1Alpha1MultiClusterLease Object)> Events,
        Exception? OpenError = null,
        Exception? StreamError = null,
        bool StayOpen = false);

    private sealed class ScriptedListWatch : IResourceListWatch<V1Alpha1MultiClusterLease>
    {
        public Queue<Func<ResourceListPage<V1Alpha1MultiClusterLease>>> Lists { get; } = new();

        public Queue<WatchScript> Watches { get; } = new();

        public List<string?> WatchCalls { get; } = [];

        public int ListCalls { get; private set; }

        public string Description => "scripted";

        public Task<ResourceListPage<V1Alpha1MultiClusterLease>> ListAsync(CancellationToken cancellationToken)
        {
            ListCalls++;
            return Task.FromResult(Lists.Dequeue()());
        }

        public async IAsyncEnumerable<(WatchEventType Type, V1Alpha1MultiClusterLease Object)> WatchAsync(string? resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            WatchCalls.Add(resourceVersion);
            var script = Watches.Dequeue();
            if (script.OpenError is not null)
            {
                throw script.OpenError;
            }

            foreach (var e in script.Events)
            {
                yield return e;
            }

            if (script.StreamError is not null)
            {
                onError(script.StreamError);
            }

            if (script.StayOpen)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
