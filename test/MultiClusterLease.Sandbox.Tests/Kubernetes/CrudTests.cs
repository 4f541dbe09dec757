using System.Net;
using System.Text.Json.Nodes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

public sealed class CrudTests : ServerTestBase
{
    [Fact]
    public async Task Create_sets_server_fields_and_get_and_list_return_the_object()
    {
        var created = await Api.CreateAsync(Lease("a", labels: new JsonObject { ["app"] = "x" }));
        var meta = created["metadata"]!;
        Assert.True(Guid.TryParse((string?)meta["uid"], out _));
        Assert.True(DateTimeOffset.TryParse((string?)meta["creationTimestamp"], out _));
        Assert.Equal(1, Generation(created));
        Assert.Equal("default", (string?)meta["namespace"]);
        Assert.Equal(Server.ResourceVersion.ToString(), Rv(created));
        await Api.CreateAsync(Lease("b"));

        var (status, got) = await Api.GetAsync($"{Leases}/a");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonNode.DeepEquals(created, got), got.ToJsonString());
        Assert.True(JsonNode.DeepEquals(created, Server.GetObject(Group, ApiVersion, Plural, "default", "a")));

        var list = (await Api.GetAsync(Leases)).Body;
        Assert.Equal("MultiClusterLeaseList", (string?)list["kind"]);
        Assert.Equal(Server.ResourceVersion.ToString(), (string?)list["metadata"]!["resourceVersion"]);
        Assert.Equal(["a", "b"], await NamesAsync(Leases));
        Assert.Equal(["a", "b"], await NamesAsync(AllLeases));
        Assert.Equal(["a"], await NamesAsync($"{AllLeases}?labelSelector=app%3Dx"));
        Assert.Equal(["b"], await NamesAsync($"{Leases}?labelSelector=app!%3Dx"));
        Assert.Equal(["b"], await NamesAsync($"{AllLeases}?fieldSelector=metadata.name%3Db"));
        Assert.Empty(await NamesAsync($"{AllLeases}?fieldSelector=metadata.namespace%3Dother"));
        Assert.Empty(await NamesAsync($"/apis/{Group}/{ApiVersion}/namespaces/other/{Plural}"));

        var (missing, body) = await Api.GetAsync($"{Leases}/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("Status", (string?)body["kind"]);
        Assert.Equal("NotFound", (string?)body["reason"]);
        Assert.Equal(404, (int)body["code"]!);
    }

    [Fact]
    public async Task Create_of_an_existing_name_is_409_AlreadyExists_and_generateName_picks_new_names()
    {
        await Api.CreateAsync(Lease("a"));
        var (status, body) = await Api.SendAsync(HttpMethod.Post, Leases, Lease("a"));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("AlreadyExists", (string?)body["reason"]);
        Assert.Equal(409, (int)body["code"]!);

        var generated = Lease("");
        generated["metadata"]!["generateName"] = "gen-";
        var first = (string)(await Api.CreateAsync(generated.DeepClone().AsObject()))["metadata"]!["name"]!;
        var second = (string)(await Api.CreateAsync(generated))["metadata"]!["name"]!;
        Assert.StartsWith("gen-", first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Generation_changes_only_with_spec_while_resourceVersion_grows_with_every_write()
    {
        var v1 = await Api.CreateAsync(Lease("a"));
        var v2 = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "pod-b" } });
        var v3 = await Api.MergeAsync("a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["k"] = "v" } } });
        var v4 = await Api.MergeAsync("a", new JsonObject { ["status"] = new JsonObject { ["globalHolderIdentity"] = "pod-b" } }, status: true);
        var unchanged = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "pod-b" } });

        Assert.Equal([1L, 2L, 2L, 2L], new[] { v1, v2, v3, v4 }.Select(Generation));
        var versions = new[] { v1, v2, v3, v4 }.Select(o => long.Parse(Rv(o))).ToList();
        Assert.Equal(versions.Order().Distinct(), versions);
        Assert.Equal(Rv(v4), Rv(unchanged));
        Assert.Equal(2, Generation(unchanged));
    }

    [Fact]
    public async Task Status_subresource_isolates_status_from_the_main_resource()
    {
        var withStatus = Lease("a");
        withStatus["status"] = new JsonObject { ["globalHolderIdentity"] = "forged" };
        var created = await Api.CreateAsync(withStatus);
        Assert.Null(created["status"]);

        // The main resource ignores status.
        var replace = created.DeepClone().AsObject();
        replace["spec"]!["holderIdentity"] = "pod-b";
        replace["status"] = new JsonObject { ["globalHolderIdentity"] = "forged" };
        var replaced = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Put, $"{Leases}/a", replace);
        Assert.Equal("pod-b", (string?)replaced["spec"]!["holderIdentity"]);
        Assert.Null(replaced["status"]);

        // The status subresource ignores everything but status.
        var patched = await Api.MergeAsync("a", JsonNode.Parse("""{"spec":{"holderIdentity":"pod-c"},"metadata":{"labels":{"x":"y"}},"status":{"globalHolderIdentity":"pod-b","fencingToken":7}}""")!, status: true);
        Assert.Equal("pod-b", (string?)patched["spec"]!["holderIdentity"]);
        Assert.Null(patched["metadata"]!["labels"]?["x"]);
        Assert.Equal("pod-b", (string?)patched["status"]!["globalHolderIdentity"]);
        Assert.Equal(7, (long)patched["status"]!["fencingToken"]!);

        var putStatus = patched.DeepClone().AsObject();
        putStatus["status"] = new JsonObject { ["globalHolderIdentity"] = "pod-d" };
        putStatus["spec"]!["holderIdentity"] = "ignored";
        var put = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Put, $"{Leases}/a/status", putStatus);
        Assert.Equal("pod-b", (string?)put["spec"]!["holderIdentity"]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["globalHolderIdentity"] = "pod-d" }, put["status"]));
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_edit_the_object()
    {
        await Api.CreateAsync(Lease("a"));
        var merged = await Api.MergeAsync("a", JsonNode.Parse("""{"spec":{"holderIdentity":null,"lockName":"ns/lock"},"metadata":{"annotations":{"a":"1"}}}""")!);
        Assert.False(merged["spec"]!.AsObject().ContainsKey("holderIdentity"));
        Assert.Equal("ns/lock", (string?)merged["spec"]!["lockName"]);
        Assert.Equal(15, (int)merged["spec"]!["leaseDurationSeconds"]!);
        Assert.Equal("1", (string?)merged["metadata"]!["annotations"]!["a"]);

        var ops = JsonNode.Parse("""
            [
              {"op":"test","path":"/spec/lockName","value":"ns/lock"},
              {"op":"add","path":"/spec/holderIdentity","value":"pod-z"},
              {"op":"replace","path":"/spec/leaseDurationSeconds","value":30},
              {"op":"remove","path":"/metadata/annotations/a"}
            ]
            """)!;
        var patched = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Leases}/a", ops, JsonPatch);
        Assert.Equal("pod-z", (string?)patched["spec"]!["holderIdentity"]);
        Assert.Equal(30, (int)patched["spec"]!["leaseDurationSeconds"]!);
        Assert.Empty(patched["metadata"]!["annotations"]!.AsObject());

        var (status, body) = await Api.PatchAsync($"{Leases}/a", JsonPatch, JsonNode.Parse("""[{"op":"test","path":"/spec/holderIdentity","value":"other"},{"op":"replace","path":"/spec/holderIdentity","value":"x"}]""")!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("Invalid", (string?)body["reason"]);
        Assert.Equal("pod-z", (string?)Server.GetObject(Group, ApiVersion, Plural, "default", "a")!["spec"]!["holderIdentity"]);

        (status, body) = await Api.PatchAsync($"{Leases}/a", "text/plain", new JsonObject());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task Writes_with_a_stale_resourceVersion_are_409_Conflict()
    {
        var created = await Api.CreateAsync(Lease("a"));
        var stale = Rv(created);
        var current = await Api.MergeAsync("a", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = "pod-b" } });

        var put = created.DeepClone().AsObject();
        put["spec"]!["holderIdentity"] = "pod-c";
        var (status, body) = await Api.SendAsync(HttpMethod.Put, $"{Leases}/a", put);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Conflict", (string?)body["reason"]);

        var conditional = JsonNode.Parse($$$"""{"metadata":{"resourceVersion":"{{{stale}}}"},"spec":{"holderIdentity":"pod-c"}}""")!;
        (status, body) = await Api.PatchAsync($"{Leases}/a", MergePatch, conditional);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Conflict", (string?)body["reason"]);
        (status, _) = await Api.PatchAsync($"{Leases}/a/status", MergePatch, conditional);
        Assert.Equal(HttpStatusCode.Conflict, status);

        var delete = JsonNode.Parse($$$"""{"preconditions":{"resourceVersion":"{{{stale}}}"}}""");
        (status, _) = await Api.SendAsync(HttpMethod.Delete, $"{Leases}/a", delete);
        Assert.Equal(HttpStatusCode.Conflict, status);

        Assert.Equal("pod-b", (string?)Server.GetObject(Group, ApiVersion, Plural, "default", "a")!["spec"]!["holderIdentity"]);
        put["metadata"]!["resourceVersion"] = Rv(current);
        var accepted = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Put, $"{Leases}/a", put);
        Assert.Equal("pod-c", (string?)accepted["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task Delete_with_finalizers_only_marks_the_object_until_the_last_finalizer_is_removed()
    {
        var lease = Lease("a");
        lease["metadata"]!["finalizers"] = new JsonArray("example.com/one", "example.com/two");
        await Api.CreateAsync(lease);
        using var watch = await Api.WatchAsync($"{Leases}?watch=true&resourceVersion={Server.ResourceVersion}");

        var marked = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Leases}/a");
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Equal(2, Generation(marked));
        Assert.NotNull(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));
        Assert.NotNull((await watch.ExpectAsync("MODIFIED"))["metadata"]!["deletionTimestamp"]);

        // A second delete changes nothing.
        Assert.Equal(Rv(marked), Rv(await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Leases}/a")));

        await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Leases}/a", JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers/0"}]""")!, JsonPatch);
        Assert.NotNull(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));
        Assert.Equal("MODIFIED", (string?)(await watch.NextAsync())!["type"]);

        await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Leases}/a", JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers"}]""")!, JsonPatch);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));
        var deleted = await watch.ExpectAsync("DELETED");
        Assert.Equal(Server.ResourceVersion.ToString(), Rv(deleted));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"{Leases}/a")).Status);
    }

    [Fact]
    public async Task Delete_without_finalizers_removes_the_object()
    {
        await Api.CreateAsync(Lease("a"));
        var deleted = await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Leases}/a");
        Assert.Equal(("Status", "Success", "a"), ((string?)deleted["kind"], (string?)deleted["status"], (string?)deleted["details"]!["name"]));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"{Leases}/a")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Delete, $"{Leases}/a")).Status);
    }

    [Fact]
    public async Task Objects_violating_the_crd_schema_are_422_Invalid_with_the_field_paths()
    {
        var lease = Lease("a");
        lease["spec"]!["leaseDurationSeconds"] = 0;
        lease["spec"]!["lockName"] = "not a name";
        lease["spec"]!["retryPeriodSeconds"] = "2";
        var (status, body) = await Api.SendAsync(HttpMethod.Post, Leases, lease);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("Invalid", (string?)body["reason"]);
        var fields = body["details"]!["causes"]!.AsArray().Select(c => (string?)c!["field"]).Order().ToList();
        Assert.Equal(["spec.leaseDurationSeconds", "spec.lockName", "spec.retryPeriodSeconds"], fields);
        var message = (string)body["message"]!;
        Assert.Contains("spec.leaseDurationSeconds: Invalid value: 0", message);
        Assert.Contains("should be greater than or equal to 1", message);
        Assert.Contains("must be of type integer", message);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));

        await Api.CreateAsync(Lease("a"));
        var condition = JsonNode.Parse("""{"status":{"conditions":[{"type":"BackendHealthy","status":"Maybe","reason":"R","message":"m"}]}}""")!;
        (status, body) = await Api.PatchAsync($"{Leases}/a/status", MergePatch, condition);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var causes = body["details"]!["causes"]!.AsArray().Select(c => $"{c!["field"]} {c["reason"]}").Order().ToList();
        Assert.Equal(["status.conditions[0].lastTransitionTime FieldValueRequired", "status.conditions[0].status FieldValueNotSupported"], causes);

        var badName = Lease("Bad_Name");
        (status, _) = await Api.SendAsync(HttpMethod.Post, Leases, badName);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
    }

    [Fact]
    public async Task Unknown_paths_and_methods_are_rejected()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"/apis/{Group}/{ApiVersion}/namespaces/default/widgets")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"/apis/{Group}/v9/{Plural}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"{Leases}/a/scale")).Status);
        var (status, body) = await Api.SendAsync(HttpMethod.Post, AllLeases, Lease("a"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("MethodNotAllowed", (string?)body["reason"]);
        (status, body) = await Api.SendAsync(HttpMethod.Post, Leases, JsonNode.Parse("[1]"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("BadRequest", (string?)body["reason"]);
    }

    [Fact]
    public async Task Built_in_resources_are_served()
    {
        var namespaces = (await Api.GetAsync("/api/v1/namespaces")).Body["items"]!.AsArray().Select(n => (string?)n!["metadata"]!["name"]);
        Assert.Contains("default", namespaces);

        var lease = JsonNode.Parse("""{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"x"}}""")!;
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases", lease);
        Assert.Equal("x", (string?)Server.GetObject("coordination.k8s.io", "v1", "leases", "kube-system", "l")!["spec"]!["holderIdentity"]);

        var ev = JsonNode.Parse("""{"metadata":{"name":"e1"},"reason":"Elected","involvedObject":{"kind":"MultiClusterLease","name":"a"}}""")!;
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, "/api/v1/namespaces/missing-ns/events", ev);
        Assert.Single(Server.ListObjects("", "v1", "events"));
        Assert.Equal(["e1"], await NamesAsync("/api/v1/events?fieldSelector=involvedObject.name%3Da"));
    }

    private async Task<List<string?>> NamesAsync(string path)
    {
        var (status, list) = await Api.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        return list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).ToList();
    }
}
