using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes.Admission;

public sealed class DeleteResponseTests : OfficialClientTestBase
{
    [Fact]
    public async Task An_immediate_delete_of_a_custom_resource_answers_a_Success_Status_naming_the_object()
    {
        var uid = Convert(await CreateAsync(NewLease("a"))).Metadata.Uid;

        var answer = JsonNode.Parse(((System.Text.Json.JsonElement)await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, "a")).GetRawText())!;
        Assert.True(
            JsonNode.DeepEquals(
                JsonNode.Parse($$$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"a","group":"{{{Group}}}","kind":"{{{Plural}}}","uid":"{{{uid}}}"}}"""),
                answer),
            answer.ToJsonString());
        var (code, _) = await RefusedAsync(() => GetAsync("a"));
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task A_delete_held_by_a_finalizer_answers_the_marked_object()
    {
        await CreateAsync(NewLease("a", finalizers: ["example.com/one"]));
        var marked = Convert(await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, "a"));
        Assert.Equal("MultiClusterLease", marked.Kind);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(["example.com/one"], marked.Metadata.Finalizers);
    }

    [Fact]
    public async Task Deletes_of_built_in_kinds_answer_a_Status_typed_by_the_official_client()
    {
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, "default");
        var lease = await Client.CoordinationV1.DeleteNamespacedLeaseAsync("l", "default");
        Assert.Equal(("Success", "l", "coordination.k8s.io", "leases"), (lease.Status, lease.Details.Name, lease.Details.Group, lease.Details.Kind));

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default");
        var configMap = await Client.CoreV1.DeleteNamespacedConfigMapAsync("c", "default");
        Assert.Equal(("Success", "configmaps"), (configMap.Status, configMap.Details.Kind));
        Assert.Null(configMap.Details.Group);
        Assert.Empty(Server.ListObjects("", "v1", "configmaps"));
    }
}
