using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes.Admission;

public sealed class NoNewFinalizersWhileDeletingTests : OfficialClientTestBase
{
    [Fact]
    public async Task An_object_being_deleted_may_lose_finalizers_but_not_gain_any()
    {
        await CreateAsync(NewLease("a", finalizers: ["example.com/one"]));
        var marked = Convert(await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, "a"));
        Assert.NotNull(marked.Metadata.DeletionTimestamp);

        var add = new V1Patch("""{"metadata":{"finalizers":["example.com/one","example.com/two"]}}""", V1Patch.PatchType.MergePatch);
        var (code, status) = await RefusedAsync(() => PatchAsync("a", add));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal(
            $"MultiClusterLease.{Group} \"a\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"example.com/two\"}}",
            (string?)status["message"]);
        Assert.Equal("FieldValueForbidden", (string?)status["details"]!["causes"]![0]!["reason"]);

        // A replace that swaps the finalizer for another is refused too.
        var current = await GetAsync("a");
        current.Metadata.Finalizers = ["example.com/other"];
        (code, _) = await RefusedAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(current, Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal(["example.com/one"], (await GetAsync("a")).Metadata.Finalizers);

        // Other changes still go through, and removing the last finalizer completes the deletion.
        var labelled = Convert(await PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"k":"v"}}}""", V1Patch.PatchType.MergePatch)));
        Assert.Equal("v", labelled.Metadata.Labels["k"]);
        await PatchAsync("a", new V1Patch("""[{"op":"remove","path":"/metadata/finalizers"}]""", V1Patch.PatchType.JsonPatch));
        (code, _) = await RefusedAsync(() => GetAsync("a"));
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Finalizers_may_be_added_while_the_object_is_not_being_deleted()
    {
        await CreateAsync(NewLease("a"));
        var patched = Convert(await PatchAsync("a", new V1Patch("""{"metadata":{"finalizers":["example.com/one"]}}""", V1Patch.PatchType.MergePatch)));
        Assert.Equal(["example.com/one"], patched.Metadata.Finalizers);
        Assert.Equal(JsonValueKind.Object, ((JsonElement)await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, "a")).ValueKind);
    }
}
