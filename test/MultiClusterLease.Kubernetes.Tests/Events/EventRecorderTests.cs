using System.Net;
using System.Text.Json;
using MultiClusterLease.Kubernetes.Api.Core;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Events;
using MultiClusterLease.Kubernetes.Tests.TestSupport;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Kubernetes.Tests.Events;

public sealed class EventRecorderTests
{
    private static readonly Lease Involved = new() { Metadata = new ObjectMeta { Name = "db", Namespace = "prod", Uid = "uid-1", ResourceVersion = "42" } };

    private readonly FakeKubernetesApi api = new();
    private readonly RecordingTimeProvider time = new();
    private readonly EventRecorder recorder;

    public EventRecorderTests()
    {
        recorder = new EventRecorder(api, new EventRecorderOptions { Component = "mcl-controller", ReportingInstance = "pod-1", Host = "node-1" }, time);
    }

    [Fact]
    public async Task Creates_an_event_about_the_object_in_its_namespace()
    {
        await recorder.RecordAsync(Involved, EventTypes.Normal, "LeaderElected", "me is the leader");

        var write = Assert.Single(api.Writes);
        Assert.Equal(("create", ResourceType.Events, "prod"), (write.Verb, write.Type, write.Namespace));
        var created = Assert.IsType<Event>(write.Body);
        Assert.StartsWith("db.", created.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("prod", created.Metadata.Namespace);
        Assert.Equal(
            (Involved.ApiVersion, Involved.Kind, "db", "prod", "uid-1", "42"),
            (created.InvolvedObject.ApiVersion, created.InvolvedObject.Kind, created.InvolvedObject.Name, created.InvolvedObject.Namespace, created.InvolvedObject.Uid, created.InvolvedObject.ResourceVersion));
        Assert.Equal((EventTypes.Normal, "LeaderElected", "me is the leader", 1), (created.Type, created.Reason, created.Message, created.Count));
        Assert.Equal((time.GetUtcNow(), time.GetUtcNow()), (created.FirstTimestamp, created.LastTimestamp));
        Assert.Equal(("mcl-controller", "node-1", "mcl-controller", "pod-1"), (created.Source!.Component, created.Source.Host, created.ReportingComponent, created.ReportingInstance));
    }

    [Fact]
    public async Task Repeats_within_ten_minutes_patch_count_and_last_timestamp_and_later_ones_create_anew()
    {
        await recorder.RecordAsync(Involved, EventTypes.Warning, "BackendUnhealthy", "503");
        time.Advance(TimeSpan.FromMinutes(9));
        await recorder.RecordAsync(Involved, EventTypes.Warning, "BackendUnhealthy", "503");
        time.Advance(TimeSpan.FromMinutes(9)); // 18 min after the first, 9 after the last: still aggregated
        await recorder.RecordAsync(Involved, EventTypes.Warning, "BackendUnhealthy", "503");
        await recorder.RecordAsync(Involved, EventTypes.Warning, "BackendUnhealthy", "another message");
        time.Advance(TimeSpan.FromMinutes(10));
        await recorder.RecordAsync(Involved, EventTypes.Warning, "BackendUnhealthy", "503");

        var writes = api.Writes.ToArray();
        Assert.Equal(["create", "patch", "patch", "create", "create"], writes.Select(w => w.Verb));
        var first = (Event)writes[0].Body!;
        Assert.All(writes[1..3], w => Assert.Equal((first.Metadata.Name, "prod", PatchType.Merge), (w.Name, w.Namespace, w.PatchType)));
        using (var patch = JsonDocument.Parse(writes[2].Patch!))
        {
            Assert.Equal(3, patch.RootElement.GetProperty("count").GetInt32());
            Assert.Equal("2030-01-01T00:18:00Z", patch.RootElement.GetProperty("lastTimestamp").GetString());
        }

        Assert.NotEqual(first.Metadata.Name, ((Event)writes[4].Body!).Metadata.Name);
        Assert.Equal(1, ((Event)writes[4].Body!).Count);
    }

    [Fact]
    public async Task A_repeat_whose_event_expired_on_the_server_creates_a_new_one()
    {
        await recorder.RecordAsync(Involved, EventTypes.Normal, "R", "m");
        api.OnWrite = w =>
        {
            if (w.Verb == "patch")
            {
                throw new KubernetesApiException(HttpStatusCode.NotFound, new KubernetesStatus { Reason = "NotFound", Code = 404 }, "PATCH x");
            }
        };

        await recorder.RecordAsync(Involved, EventTypes.Normal, "R", "m");

        Assert.Equal(["create", "patch", "create"], api.Writes.Select(w => w.Verb));
    }

    [Fact]
    public async Task Failures_are_swallowed_but_cancellation_is_not()
    {
        api.OnWrite = _ => throw new HttpRequestException("connection refused");

        await recorder.RecordAsync(Involved, EventTypes.Normal, "R", "m");
        await recorder.RecordAsync(new Lease { Metadata = new ObjectMeta { Name = "cluster-scoped" } }, EventTypes.Normal, "R", "m");

        Assert.Equal(["prod", "default"], api.Writes.Select(w => w.Namespace));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recorder.RecordAsync(Involved, EventTypes.Normal, "R", "m", cancelled.Token));
    }

    [Fact]
    public void Event_serializes_with_Kubernetes_field_names_and_second_precision_times()
    {
        var e = new Event
        {
            Metadata = new ObjectMeta { Name = "x.1" },
            InvolvedObject = new ObjectReference { Kind = "MultiClusterLease", Name = "x" },
            Type = EventTypes.Normal,
            FirstTimestamp = new DateTimeOffset(2030, 1, 1, 0, 0, 0, 500, TimeSpan.Zero),
            Count = 2,
            Source = new EventSource { Component = "c" },
        };

        var json = JsonSerializer.Serialize(e, MultiClusterLease.Kubernetes.Json.KubernetesJson.Options);

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Event","metadata":{"name":"x.1"},"involvedObject":{"kind":"MultiClusterLease","name":"x"},"type":"Normal","firstTimestamp":"2030-01-01T00:00:00Z","count":2,"source":{"component":"c"}}""",
            json);
    }
}
