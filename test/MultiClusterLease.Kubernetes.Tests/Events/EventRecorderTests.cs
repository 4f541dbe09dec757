using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Events;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.Events;

/// <summary>Events through the official client (which has no recorder): one Event per occurrence, repeats counted on it.</summary>
public sealed class EventRecorderTests
{
    [Fact]
    public async Task RecordsAnEventAboutTheObject_AndCountsARepeatOnTheSameEvent()
    {
        await using var cluster = await SandboxCluster.StartAsync();
        var recorder = new EventRecorder(cluster.Client, new EventRecorderOptions { Component = "tests" });
        var lease = new V1Alpha1MultiClusterLease { Metadata = new() { Name = "election", NamespaceProperty = "default", Uid = "u-1" } };

        await recorder.RecordAsync(lease, "Normal", "LeaderElected", "a acquired");
        await recorder.RecordAsync(lease, "Normal", "LeaderElected", "a acquired");
        await recorder.RecordAsync(lease, "Warning", "BackendUnavailable", "503");

        var events = cluster.Server.ListObjects("", "v1", "events", "default");
        Assert.Equal(2, events.Count);
        var elected = Assert.Single(events, e => e["reason"]!.GetValue<string>() == "LeaderElected");
        Assert.Equal(2, elected["count"]!.GetValue<int>());
        Assert.Equal("MultiClusterLease", elected["involvedObject"]!["kind"]!.GetValue<string>());
        Assert.Equal("election", elected["involvedObject"]!["name"]!.GetValue<string>());
        Assert.Equal("tests", elected["source"]!["component"]!.GetValue<string>());
    }

    [Fact]
    public async Task NeverThrows_WhenTheApiServerCannotBeReached()
    {
        var cluster = await SandboxCluster.StartAsync();
        var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = cluster.Server.BaseAddress.ToString() });
        await cluster.DisposeAsync();
        var recorder = new EventRecorder(client);
        await recorder.RecordAsync(new V1Alpha1MultiClusterLease { Metadata = new() { Name = "x", NamespaceProperty = "default" } }, "Normal", "R", "m");
        client.Dispose();
    }
}
