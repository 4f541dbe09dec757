using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sandbox.Kubernetes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

public sealed class DiscoveryAndTableTests : ServerTestBase
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    protected override FakeKubernetesApiServerOptions Options => new() { TimeProvider = _time };

    [Fact]
    public async Task Discovery_describes_the_crd_resource_and_the_built_ins()
    {
        var groups = (await Api.GetAsync("/apis")).Body["groups"]!.AsArray();
        var group = groups.Single(g => (string?)g!["name"] == Group)!;
        Assert.Equal($"{Group}/{ApiVersion}", (string?)group["preferredVersion"]!["groupVersion"]);
        Assert.Contains(groups, g => (string?)g!["name"] == "coordination.k8s.io");
        Assert.Equal(Group, (string?)(await Api.GetAsync($"/apis/{Group}")).Body["name"]);

        var resources = (await Api.GetAsync($"/apis/{Group}/{ApiVersion}")).Body["resources"]!.AsArray();
        var mcl = resources.Single(r => (string?)r!["name"] == Plural)!;
        Assert.Equal("multiclusterlease", (string?)mcl["singularName"]);
        Assert.Equal("MultiClusterLease", (string?)mcl["kind"]);
        Assert.True((bool)mcl["namespaced"]!);
        Assert.Equal(["mcl"], mcl["shortNames"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("watch", mcl["verbs"]!.AsArray().Select(n => (string?)n));
        Assert.Contains(resources, r => (string?)r!["name"] == $"{Plural}/status");

        var core = (await Api.GetAsync("/api/v1")).Body["resources"]!.AsArray().Select(r => (string?)r!["name"]).ToList();
        Assert.Contains("namespaces", core);
        Assert.Contains("events", core);
        Assert.Equal(["v1"], (await Api.GetAsync("/api")).Body["versions"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("1", (string?)(await Api.GetAsync("/version")).Body["major"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync("/apis/nothing.example.com")).Status);

        // Asked for aggregated discovery, the server answers the legacy document as plain JSON.
        var (status, legacy) = await Api.GetAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("APIGroupList", (string?)legacy["kind"]);
    }

    [Fact]
    public async Task OpenApi_v3_declares_fieldValidation_on_every_kind()
    {
        var index = (await Api.GetAsync("/openapi/v3")).Body["paths"]!.AsObject();
        var url = (string)index[$"apis/{Group}/{ApiVersion}"]!["serverRelativeURL"]!;
        var document = (await Api.GetAsync(url)).Body;
        var patch = document["paths"]![$"/apis/{Group}/{ApiVersion}/namespaces/{{namespace}}/{Plural}/{{name}}"]!["patch"]!;
        Assert.Equal("MultiClusterLease", (string?)patch["x-kubernetes-group-version-kind"]!["kind"]);
        Assert.Contains("fieldValidation", patch["parameters"]!.AsArray().Select(p => (string?)p!["name"]));
        Assert.False(patch["requestBody"]!["content"]!.AsObject().ContainsKey("application/strategic-merge-patch+json"));
    }

    [Fact]
    public async Task Tables_have_the_printer_columns_and_ages_from_the_time_provider()
    {
        await Api.CreateAsync(Lease("a", holder: "pod-a"));
        await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"pod-a","fencingToken":4}}""")!, status: true);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(7));

        var (status, table) = await Api.GetAsync(Leases, TableAccept);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal(Server.ResourceVersion.ToString(), (string?)table["metadata"]!["resourceVersion"]);
        var columns = table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ToList();
        Assert.Equal(["Name", "Holder (Spec)", "Leader (Status)", "Fencing Token", "Renew Time (Status)", "Age"], columns);
        var row = table["rows"]!.AsArray().Single()!;
        Assert.Equal("""["a","pod-a","pod-a",4,null,"5m7s"]""", row["cells"]!.ToJsonString());
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);
        Assert.Equal("a", (string?)row["object"]!["metadata"]!["name"]);
        Assert.Null(row["object"]!["spec"]);

        var single = (await Api.GetAsync($"{Leases}/a?includeObject=Object", TableAccept)).Body;
        Assert.Equal("pod-a", (string?)single["rows"]![0]!["object"]!["spec"]!["holderIdentity"]);
        var none = (await Api.GetAsync($"{Leases}?includeObject=None", TableAccept)).Body;
        Assert.Null(none["rows"]![0]!["object"]);

        var namespaces = (await Api.GetAsync("/api/v1/namespaces", TableAccept)).Body;
        Assert.Equal(["Name", "Age"], namespaces["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        Assert.Contains(namespaces["rows"]!.AsArray(), r => r!["cells"]!.ToJsonString() == """["default","5m7s"]""");
    }

    [Fact]
    public async Task Watches_can_stream_table_rows()
    {
        using var watch = await Api.WatchAsync($"{Leases}?watch=true", TableAccept);
        await Api.CreateAsync(Lease("a", holder: "pod-q"));
        var table = await watch.ExpectAsync("ADDED");
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("pod-q", (string?)table["rows"]![0]!["cells"]![1]);
        Assert.NotNull(table["rows"]![0]!["object"]!["metadata"]!["resourceVersion"]);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    [InlineData(119, "119s")]
    [InlineData(125, "2m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(10 * 3600, "10h")]
    [InlineData(50 * 3600, "2d2h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(800 * 86400, "2y70d")]
    public void Ages_are_formatted_like_kubectl(int seconds, string expected) =>
        Assert.Equal(expected, TableConverter.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task A_crd_created_through_the_api_is_served_until_it_is_deleted()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Cluster",
               "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","required":["size"],"properties":{"size":{"type":"integer","maximum":10}}}}}}}]}}
            """)!;
        const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
        var created = await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, Crds, crd);
        Assert.Contains(created["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True");
        Assert.Equal(["wd"], (await Api.GetAsync("/apis/example.com/v1")).Body["resources"]![0]!["shortNames"]!.AsArray().Select(n => (string?)n));

        const string Widgets = "/apis/example.com/v1/widgets";
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, Widgets, JsonNode.Parse("""{"metadata":{"name":"w"},"spec":{"size":3}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(HttpMethod.Post, Widgets, JsonNode.Parse("""{"metadata":{"name":"v"},"spec":{"size":11}}"""))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync("/apis/example.com/v1/namespaces/default/widgets")).Status);

        var invalid = crd.DeepClone();
        invalid["metadata"]!["name"] = "wrong.example.com";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(HttpMethod.Post, Crds, invalid)).Status);

        await Api.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Crds}/widgets.example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(Widgets)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync("/apis/example.com/v1")).Status);
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(HttpMethod.Post, Crds, crd)).Status);
        Assert.Empty(Server.ListObjects("example.com", "v1", "widgets"));
    }
}
