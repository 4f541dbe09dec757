using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Tests.TestSupport;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Kubernetes.Tests.Client;

public sealed class KubernetesApiClientTests
{
    private const string LeasePath = "/apis/multicluster.core.cnrm.cloud.google.com/v1alpha1/namespaces";
    private const string LeaseJson = """{"apiVersion":"multicluster.core.cnrm.cloud.google.com/v1alpha1","kind":"MultiClusterLease","metadata":{"name":"x","namespace":"ns","resourceVersion":"7"}}""";

    private readonly FakeHttpHandler handler = new((_, _) => Task.FromResult(FakeHttpHandler.Json(HttpStatusCode.OK, LeaseJson)));

    private static KubernetesClientConfiguration Configuration(string server = "https://api.example:6443") => new()
    {
        Server = new Uri(server),
        Namespace = "home",
        Token = "t0k",
    };

    private KubernetesApiClient Client(KubernetesClientOptions? options = null, TimeProvider? time = null, string server = "https://api.example:6443")
        => new(Configuration(server), options, time, null, handler);

    [Fact]
    public async Task Get_sends_the_object_path_token_user_agent_and_accept_headers_and_decodes_the_object()
    {
        using var client = Client(new KubernetesClientOptions { UserAgent = "mcl-controller/1.0 (cluster-a)" });

        var lease = await client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("https://api.example:6443" + LeasePath + "/ns/multiclusterleases/x", request.Uri.AbsoluteUri);
        Assert.Equal("mcl-controller/1.0 (cluster-a)", request.UserAgent);
        Assert.Equal("Bearer t0k", request.Authorization);
        Assert.Equal("application/json", request.Accept);
        Assert.Equal(("x", "7"), (lease.Metadata.Name, lease.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Default_user_agent_default_namespace_and_server_path_prefix()
    {
        using var client = Client(server: "https://proxy.example/k8s/clusters/c1/");

        await client.GetAsync<Lease>(ResourceType.MultiClusterLeases, null, "x");
        await client.ListAsync<Lease>(ResourceType.MultiClusterLeases, null);

        var requests = handler.Requests.ToArray();
        Assert.Equal("/k8s/clusters/c1" + LeasePath + "/home/multiclusterleases/x", requests[0].Uri.AbsolutePath);
        Assert.Equal("/k8s/clusters/c1/apis/multicluster.core.cnrm.cloud.google.com/v1alpha1/multiclusterleases", requests[1].Uri.AbsolutePath);
        Assert.All(requests, r => Assert.Equal("multiclusterlease/0.1", r.UserAgent));
    }

    [Fact]
    public async Task List_escapes_selectors_into_the_query()
    {
        handler.Respond = (_, _) => Task.FromResult(FakeHttpHandler.Json(HttpStatusCode.OK, $$"""{"metadata":{"resourceVersion":"42"},"items":[{{LeaseJson}}]}"""));
        using var client = Client();

        var list = await client.ListAsync<Lease>(ResourceType.MultiClusterLeases, "ns", new ListOptions { LabelSelector = "app in (a,b)", FieldSelector = "metadata.name=x" });

        Assert.Equal(LeasePath + "/ns/multiclusterleases?labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dx", Assert.Single(handler.Requests).PathAndQuery);
        Assert.Equal("42", list.Metadata.ResourceVersion);
        Assert.Equal("x", Assert.Single(list.Items).Metadata.Name);
    }

    [Fact]
    public async Task Writes_use_the_right_verb_path_content_type_and_field_manager()
    {
        using var client = Client(new KubernetesClientOptions { FieldManager = "mcl-controller" });
        var lease = new Lease { Metadata = new() { Name = "x", Namespace = "ns" }, Spec = new() { HolderIdentity = "me" } };

        await client.CreateAsync(ResourceType.MultiClusterLeases, "ns", lease);
        await client.PatchAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x", PatchType.Merge, """{"spec":{"holderIdentity":""}}""");
        await client.PatchAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x", PatchType.Json, """[{"op":"remove","path":"/spec/lockName"}]""", "status");
        await client.ReplaceAsync(ResourceType.MultiClusterLeases, "ns", "x", lease, "status");
        await client.DeleteAsync(ResourceType.MultiClusterLeases, "ns", "x");

        var r = handler.Requests.ToArray();
        Assert.Equal((HttpMethod.Post, LeasePath + "/ns/multiclusterleases?fieldManager=mcl-controller", "application/json"), (r[0].Method, r[0].PathAndQuery, r[0].ContentType));
        using (var body = JsonDocument.Parse(r[0].Body!))
        {
            Assert.Equal("me", body.RootElement.GetProperty("spec").GetProperty("holderIdentity").GetString());
            Assert.Equal(MultiClusterLeaseApi.ApiVersion, body.RootElement.GetProperty("apiVersion").GetString());
        }

        Assert.Equal((HttpMethod.Patch, LeasePath + "/ns/multiclusterleases/x?fieldManager=mcl-controller", "application/merge-patch+json"), (r[1].Method, r[1].PathAndQuery, r[1].ContentType));
        Assert.Equal("""{"spec":{"holderIdentity":""}}""", r[1].Body);
        Assert.Equal((HttpMethod.Patch, LeasePath + "/ns/multiclusterleases/x/status?fieldManager=mcl-controller", "application/json-patch+json"), (r[2].Method, r[2].PathAndQuery, r[2].ContentType));
        Assert.Equal((HttpMethod.Put, LeasePath + "/ns/multiclusterleases/x/status?fieldManager=mcl-controller", "application/json"), (r[3].Method, r[3].PathAndQuery, r[3].ContentType));
        Assert.Equal((HttpMethod.Delete, LeasePath + "/ns/multiclusterleases/x"), (r[4].Method, r[4].PathAndQuery));
    }

    [Theory]
    [InlineData(404, "NotFound", true, false, false, false)]
    [InlineData(409, "AlreadyExists", false, false, true, false)]
    [InlineData(409, "Conflict", false, true, false, false)]
    [InlineData(410, "Expired", false, false, false, true)]
    public async Task Failures_decode_the_Status_body_into_the_exception(int code, string reason, bool notFound, bool conflict, bool alreadyExists, bool gone)
    {
        handler.Respond = (_, _) => Task.FromResult(FakeHttpHandler.Json(
            (HttpStatusCode)code, $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"it says {{reason}}","reason":"{{reason}}","code":{{code}}}"""));
        using var client = Client();

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x"));

        Assert.Equal((HttpStatusCode)code, error.StatusCode);
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"it says {reason}", error.Status!.Message);
        Assert.Equal((notFound, conflict, alreadyExists, gone), (error.IsNotFound, error.IsConflict, error.IsAlreadyExists, error.IsGone));
        Assert.StartsWith("GET " + LeasePath + "/ns/multiclusterleases/x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_without_a_Status_body_keeps_the_code_and_text()
    {
        handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("upstream down") });
        using var client = Client();

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.DeleteAsync(ResourceType.MultiClusterLeases, "ns", "x"));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("upstream down", error.Status!.Message);
        Assert.Null(error.Reason);
    }

    [Fact]
    public async Task A_request_without_an_answer_times_out_as_HttpRequestException_and_a_cancelled_one_is_cancelled()
    {
        var time = new FakeTimeProvider();
        var started = new TaskCompletionSource();
        handler.Respond = async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };
        using var client = Client(new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }, time);

        var call = client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var timeout = await Assert.ThrowsAsync<HttpRequestException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsType<TimeoutException>(timeout.InnerException);

        using var cts = new CancellationTokenSource();
        started = new TaskCompletionSource();
        var cancelled = client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x", cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Watch_sends_the_watch_query_and_parses_every_event_type()
    {
        var stream = string.Join("\n",
            $$"""{"type":"ADDED","object":{{LeaseJson}}}""",
            """{"type":"MODIFIED","object":{"metadata":{"name":"x","namespace":"ns","resourceVersion":"8"},"spec":{"holderIdentity":"me"}}}""",
            "",
            """{"type":"BOOKMARK","object":{"kind":"MultiClusterLease","metadata":{"resourceVersion":"9"}}}""",
            """{"type":"DELETED","object":{"metadata":{"name":"x","namespace":"ns","resourceVersion":"10"}}}""",
            """{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}}""") + "\n";
        handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(stream) });
        using var client = Client();

        var events = await client.WatchAsync<Lease>(
            ResourceType.MultiClusterLeases, "ns", new WatchOptions { ResourceVersion = "5", LabelSelector = "a=b", FieldSelector = "metadata.name=x" }).ToListAsync();

        Assert.Equal(
            LeasePath + "/ns/multiclusterleases?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=5&labelSelector=a%3Db&fieldSelector=metadata.name%3Dx",
            Assert.Single(handler.Requests).PathAndQuery);
        Assert.Equal(
            [WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted, WatchEventType.Error],
            events.Select(e => e.Type));
        Assert.Equal(["7", "8", "9", "10", null], events.Select(e => e.ResourceVersion));
        Assert.Equal("me", events[1].Object!.Spec!.HolderIdentity);
        Assert.Null(events[4].Object);
        Assert.Equal((410, "Expired"), (events[4].Status!.Code, events[4].Status!.Reason));
    }

    [Fact]
    public async Task Watch_yields_each_event_as_it_arrives_outlives_the_request_timeout_and_honours_cancellation()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();
        handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) });
        using var client = Client(new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }, time);
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync<Lease>(ResourceType.MultiClusterLeases, "ns", new WatchOptions(), cts.Token).GetAsyncEnumerator(cts.Token);

        var first = events.MoveNextAsync().AsTask();
        await WriteLineAsync(pipe, $$"""{"type":"ADDED","object":{{LeaseJson}}}""");
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("7", events.Current.ResourceVersion);

        time.Advance(TimeSpan.FromSeconds(60)); // well past the request timeout: the stream stays open
        var second = events.MoveNextAsync().AsTask();
        await WriteLineAsync(pipe, """{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"8"}}}""");
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("8", events.Current.ResourceVersion);

        var third = events.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Watch_ends_when_a_silent_stream_passes_the_server_timeout_plus_the_request_timeout()
    {
        var pipe = new Pipe();
        var time = new FakeTimeProvider();
        handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) });
        using var client = Client(new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }, time);
        await using var events = client.WatchAsync<Lease>(ResourceType.MultiClusterLeases, "ns", new WatchOptions { TimeoutSeconds = 60 }).GetAsyncEnumerator();

        var first = events.MoveNextAsync().AsTask();
        await WriteLineAsync(pipe, """{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"8"}}}""");
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));

        var next = events.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(64));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await next.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task WriteLineAsync(Pipe pipe, string line)
        => await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));

    [Fact]
    public async Task Watch_refused_with_410_throws_a_Gone_exception()
    {
        handler.Respond = (_, _) => Task.FromResult(FakeHttpHandler.Json(HttpStatusCode.Gone, """{"kind":"Status","reason":"Expired","code":410}"""));
        using var client = Client();

        var error = await Assert.ThrowsAsync<KubernetesApiException>(async () =>
            await client.WatchAsync<Lease>(ResourceType.MultiClusterLeases, null, new WatchOptions { ResourceVersion = "1", AllowBookmarks = false, TimeoutSeconds = 0 }).ToListAsync());

        Assert.True(error.IsGone);
        Assert.Equal("/apis/multicluster.core.cnrm.cloud.google.com/v1alpha1/multiclusterleases?watch=true&resourceVersion=1", Assert.Single(handler.Requests).PathAndQuery);
    }
}
