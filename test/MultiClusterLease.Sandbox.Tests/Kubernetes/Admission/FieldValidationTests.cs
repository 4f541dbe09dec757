using System.Net;
using k8s;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes.Admission;

public sealed class FieldValidationTests : OfficialClientTestBase
{
    private const string SampleWithUnknownField = """
        apiVersion: multicluster.core.cnrm.cloud.google.com/v1alpha1
        kind: MultiClusterLease
        metadata:
          name: sample
          namespace: default
        spec:
          holderIdentity: ""
          leaseDurationSeconds: 15
          foo: bar
        """;

    [Fact]
    public async Task By_default_unknown_fields_are_pruned_with_one_warning_each_on_create_update_and_patch()
    {
        var lease = NewLease("a");
        lease.Spec!["foo"] = 1;
        lease.Spec["bar"] = new System.Text.Json.Nodes.JsonObject { ["x"] = 1 };
        using (var created = await Client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(lease, Group, ApiVersion, "default", Plural))
        {
            Assert.Equal(["299 - \"unknown field \\\"spec.bar\\\"\"", "299 - \"unknown field \\\"spec.foo\\\"\""], Warnings(created.Response).Order(StringComparer.Ordinal));
            Assert.Equal(["holderIdentity", "leaseDurationSeconds", "renewDeadlineSeconds"], Convert(created.Body).Spec!.Select(p => p.Key).Order(StringComparer.Ordinal));
        }

        var stored = await GetAsync("a");
        Assert.False(stored.Spec!.ContainsKey("foo"));
        stored.Spec["baz"] = true;
        using (var replaced = await Client.CustomObjects.ReplaceNamespacedCustomObjectWithHttpMessagesAsync(stored, Group, ApiVersion, "default", Plural, "a"))
        {
            Assert.Equal(["299 - \"unknown field \\\"spec.baz\\\"\""], Warnings(replaced.Response));
        }

        var patch = new V1Patch("""{"status":{"globalHolderIdentity":"pod-a","conditions":[{"type":"BackendHealthy","status":"True","reason":"R","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z","extra":1}]}}""", V1Patch.PatchType.MergePatch);
        using (var patched = await Client.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync(patch, Group, ApiVersion, "default", Plural, "a"))
        {
            Assert.Equal(["299 - \"unknown field \\\"status.conditions[0].extra\\\"\""], Warnings(patched.Response));
            Assert.Equal("pod-a", (string?)Convert(patched.Body).Status!["globalHolderIdentity"]);
        }

        Assert.False(((System.Text.Json.Nodes.JsonObject)(await GetAsync("a")).Status!["conditions"]![0]!).ContainsKey("extra"));
    }

    [Fact]
    public async Task Strict_refuses_unknown_fields_with_400_and_Ignore_prunes_them_silently()
    {
        var lease = NewLease("a");
        lease.Spec!["foo"] = 1;
        var (code, status) = await RefusedAsync(() => Client.CustomObjects.CreateNamespacedCustomObjectAsync(lease, Group, ApiVersion, "default", Plural, fieldValidation: "Strict"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("BadRequest", (string?)status["reason"]);
        Assert.Equal("MultiClusterLease in version \"v1alpha1\" cannot be handled as a MultiClusterLease: strict decoding error: unknown field \"spec.foo\"", (string?)status["message"]);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));

        using (var created = await Client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(lease, Group, ApiVersion, "default", Plural, fieldValidation: "Ignore"))
        {
            Assert.Empty(Warnings(created.Response));
            Assert.False(Convert(created.Body).Spec!.ContainsKey("foo"));
        }

        var patch = new V1Patch("""{"spec":{"holderIdentity":"pod-b","foo":2}}""", V1Patch.PatchType.MergePatch);
        (code, status) = await RefusedAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, ApiVersion, "default", Plural, "a", fieldValidation: "Strict"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("strict decoding error: unknown field \"spec.foo\"", (string?)status["message"]);
        Assert.Equal("pod-a", (string?)(await GetAsync("a")).Spec!["holderIdentity"]);

        (code, status) = await RefusedAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, ApiVersion, "default", Plural, "a", fieldValidation: "strict"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"", (string?)status["message"]);

        var known = await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.MergePatch), Group, ApiVersion, "default", Plural, "a", fieldValidation: "Strict");
        Assert.Equal("pod-b", (string?)Convert(known).Spec!["holderIdentity"]);
    }

    [Fact]
    public async Task Kubectl_apply_refuses_an_unknown_field_by_default_and_warns_with_validate_warn()
    {
        var file = Kubectl.WriteFile("unknown.yaml", SampleWithUnknownField);
        var strict = await Kubectl.RunAsync("apply", "-f", file);
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.foo\"", strict.Stderr);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "sample"));

        var warned = (await Kubectl.RunAsync("apply", "--validate=warn", "-f", file)).Succeeded();
        Assert.Contains("unknown field \"spec.foo\"", warned.Stderr);
        Assert.False(Server.GetObject(Group, ApiVersion, Plural, "default", "sample")!["spec"]!.AsObject().ContainsKey("foo"));
    }

    [Fact]
    public async Task Pruning_follows_the_structural_schema_maps_and_preserve_unknown_fields()
    {
        var crd = Kubectl.WriteFile("crd.yaml", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              names: {kind: Widget, plural: widgets, singular: widget}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          size: {type: integer}
                          labels: {type: object, additionalProperties: {type: string}}
                          parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
                          free: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {known: {type: object, properties: {a: {type: string}}}}}
            """);
        (await Kubectl.RunAsync("apply", "-f", crd)).Succeeded();
        var widget = System.Text.Json.Nodes.JsonNode.Parse("""
            {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1,"colour":"red",
             "labels":{"any":"thing"},"parts":[{"name":"p","weight":2}],"free":{"anything":{"goes":1},"known":{"a":"x","b":"y"}}},"extra":true}
            """);

        var (code, status) = await RefusedAsync(() => Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget!, "example.com", "v1", "default", "widgets", fieldValidation: "Strict"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal(
            "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.colour\", unknown field \"spec.parts[0].weight\", unknown field \"spec.free.known.b\", unknown field \"extra\"",
            (string?)status["message"]);

        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget!, "example.com", "v1", "default", "widgets");
        var stored = Server.GetObject("example.com", "v1", "widgets", "default", "w")!;
        Assert.True(
            System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse("""{"size":1,"labels":{"any":"thing"},"parts":[{"name":"p"}],"free":{"anything":{"goes":1},"known":{"a":"x"}}}"""),
                stored["spec"]),
            stored.ToJsonString());
        Assert.False(stored.ContainsKey("extra"));
    }

    private static string[] Warnings(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Warning", out var values) ? values.ToArray() : [];
}
