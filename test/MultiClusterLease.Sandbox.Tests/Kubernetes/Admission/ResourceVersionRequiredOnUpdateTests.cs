using System.Net;
using k8s;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes.Admission;

public sealed class ResourceVersionRequiredOnUpdateTests : OfficialClientTestBase
{
    private const string Missing = "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update";

    [Fact]
    public async Task Replace_of_a_custom_resource_without_resourceVersion_is_422_and_keeps_the_stored_object()
    {
        await CreateAsync(NewLease("a", finalizers: ["example.com/keep"]));

        // Built from scratch, as a client that forgot to read first would: no resourceVersion, no finalizer.
        var (code, status) = await RefusedAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(NewLease("a", holder: "pod-b"), Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal($"MultiClusterLease.{Group} \"a\" is invalid: {Missing}", (string?)status["message"]);
        Assert.Equal("metadata.resourceVersion", (string?)status["details"]!["causes"]![0]!["field"]);

        var stored = await GetAsync("a");
        Assert.Equal(["example.com/keep"], stored.Metadata.Finalizers);
        Assert.Equal("pod-a", (string?)stored.Spec!["holderIdentity"]);

        // Read-modify-write carries the version and succeeds.
        stored.Spec["holderIdentity"] = "pod-b";
        var replaced = Convert(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(stored, Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal("pod-b", (string?)replaced.Spec!["holderIdentity"]);
        Assert.Equal(["example.com/keep"], replaced.Metadata.Finalizers);
    }

    [Fact]
    public async Task Replace_of_the_status_subresource_without_resourceVersion_is_422()
    {
        await CreateAsync(NewLease("a"));
        var blind = NewLease("a");
        blind.Status = new() { ["globalHolderIdentity"] = "pod-a" };

        var (code, status) = await RefusedAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(blind, Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Contains(Missing, (string?)status["message"]);
        Assert.Null((await GetAsync("a")).Status);
    }

    [Fact]
    public async Task Replace_of_a_Lease_without_resourceVersion_is_422_but_core_configmaps_allow_it()
    {
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, "default");
        var (code, status) = await RefusedAsync(() => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { HolderIdentity = "b" } }, "l", "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal($"Lease.coordination.k8s.io \"l\" is invalid: {Missing}", (string?)status["message"]);
        Assert.Equal("a", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("l", "default")).Spec.HolderIdentity);

        // Core v1 configmaps allow an unconditional update (their strategy does), as a real server does.
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default");
        var replaced = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["k"] = "2" } }, "c", "default");
        Assert.Equal("2", replaced.Data["k"]);
    }

    [Fact]
    public async Task Kubectl_replace_keeps_working_because_it_fills_in_the_current_resourceVersion()
    {
        await CreateAsync(NewLease("a"));
        var file = Kubectl.WriteFile("a.yaml", $"""
            apiVersion: {Group}/{ApiVersion}
            kind: MultiClusterLease
            metadata:
              name: a
              namespace: default
            spec:
              holderIdentity: pod-b
              leaseDurationSeconds: 15
            """);

        // kubectl replace reads the object first and sends the version it read (resource.Helper.Replace, overwrite).
        Assert.Contains("replaced", (await Kubectl.RunAsync("replace", "-f", file)).Succeeded().Stdout);
        Assert.Equal("pod-b", (string?)(await GetAsync("a")).Spec!["holderIdentity"]);
    }
}
