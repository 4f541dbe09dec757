using System.Net;
using System.Text.Json.Nodes;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

/// <summary>The real kubectl against the fake API server.</summary>
public sealed class KubectlTests : ServerTestBase, IDisposable
{
    private const string Sample = """
        apiVersion: multicluster.core.cnrm.cloud.google.com/v1alpha1
        kind: MultiClusterLease
        metadata:
          name: sample
          namespace: default
        spec:
          holderIdentity: ""
          leaseDurationSeconds: 15
          renewDeadlineSeconds: 10
          retryPeriodSeconds: 2
        """;

    private Kubectl? _kubectl;

    private Kubectl Kubectl => _kubectl ??= new Kubectl(Server);

    public void Dispose() => _kubectl?.Dispose();

    [Fact]
    public async Task Get_all_namespaces_prints_the_printer_columns()
    {
        await Api.CreateAsync(Lease("a", holder: "pod-a"));
        await Api.ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, $"/apis/{Group}/{ApiVersion}/namespaces/team-b/{Plural}", Lease("b", holder: "pod-b"));
        await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"pod-a","fencingToken":12}}""")!, status: true);

        var rows = Table((await Kubectl.RunAsync("get", "mcl", "-A")).Succeeded().Stdout);
        Assert.Equal(["NAMESPACE", "NAME", "HOLDER (SPEC)", "LEADER (STATUS)", "FENCING TOKEN", "RENEW TIME (STATUS)", "AGE"], rows[0]);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["default", "a", "pod-a", "pod-a", "12", ""], rows[1][..6]);
        Assert.Equal(["team-b", "b", "pod-b", "", "", ""], rows[2][..6]);
        Assert.Matches("^[0-9]+s$", rows[2][6]);
    }

    [Fact]
    public async Task Get_one_object_as_yaml_json_jsonpath_and_custom_columns()
    {
        await Api.CreateAsync(Lease("a", holder: "pod-a"));
        await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"pod-leader"}}""")!, status: true);

        var yaml = (await Kubectl.RunAsync("get", "mcl", "a", "-o", "yaml")).Succeeded().Stdout;
        Assert.Contains("kind: MultiClusterLease", yaml);
        Assert.Contains("holderIdentity: pod-a", yaml);
        Assert.Contains("globalHolderIdentity: pod-leader", yaml);

        var json = JsonNode.Parse((await Kubectl.RunAsync("get", "multiclusterlease", "a", "-o", "json")).Succeeded().Stdout)!;
        Assert.True(JsonNode.DeepEquals(Server.GetObject(Group, ApiVersion, Plural, "default", "a"), json));

        Assert.Equal("pod-leader", (await Kubectl.RunAsync("get", "mcl", "a", "-o", "jsonpath={.status.globalHolderIdentity}")).Succeeded().Stdout);

        var table = Lines((await Kubectl.RunAsync("get", "mcl", "-o", "custom-columns=NAME:.metadata.name,GEN:.metadata.generation,LEADER:.status.globalHolderIdentity")).Succeeded().Stdout);
        Assert.Equal(["NAME", "GEN", "LEADER"], Words(table[0]));
        Assert.Equal(["a", "1", "pod-leader"], Words(table[1]));
    }

    [Fact]
    public async Task Create_and_apply_from_files()
    {
        var file = Kubectl.WriteFile("sample.yaml", Sample);
        Assert.Contains("sample created", (await Kubectl.RunAsync("create", "-f", file)).Succeeded().Stdout);
        Assert.Contains("AlreadyExists", (await Kubectl.RunAsync("create", "-f", file)).Stderr);

        var applied = Kubectl.WriteFile("applied.yaml", Sample.Replace("name: sample", "name: applied", StringComparison.Ordinal));
        Assert.Contains("applied created", (await Kubectl.RunAsync("apply", "-f", applied)).Succeeded().Stdout);
        var first = Server.GetObject(Group, ApiVersion, Plural, "default", "applied")!;
        Assert.NotNull(first["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);

        File.WriteAllText(applied, File.ReadAllText(applied).Replace("retryPeriodSeconds: 2", "retryPeriodSeconds: 3", StringComparison.Ordinal));
        Assert.Contains("applied configured", (await Kubectl.RunAsync("apply", "-f", applied)).Succeeded().Stdout);
        var second = Server.GetObject(Group, ApiVersion, Plural, "default", "applied")!;
        Assert.Equal(3, (int)second["spec"]!["retryPeriodSeconds"]!);
        Assert.Equal(2, Generation(second));

        var invalid = Kubectl.WriteFile("invalid.yaml", Sample.Replace("leaseDurationSeconds: 15", "leaseDurationSeconds: 0", StringComparison.Ordinal));
        var rejected = await Kubectl.RunAsync("apply", "-f", invalid);
        Assert.NotEqual(0, rejected.ExitCode);
        Assert.Contains("spec.leaseDurationSeconds", rejected.Stderr);
    }

    [Fact]
    public async Task Patch_merge_json_and_status()
    {
        await Api.CreateAsync(Lease("a", holder: "pod-a"));

        Assert.Contains("patched", (await Kubectl.RunAsync("patch", "mcl", "a", "--type", "merge", "-p", """{"spec":{"holderIdentity":"pod-b"}}""")).Succeeded().Stdout);
        (await Kubectl.RunAsync("patch", "mcl", "a", "--type", "json", "-p", """[{"op":"replace","path":"/spec/leaseDurationSeconds","value":20}]""")).Succeeded();
        (await Kubectl.RunAsync("patch", "mcl", "a", "--subresource", "status", "--type", "merge", "-p", """{"status":{"globalHolderIdentity":"pod-b"}}""")).Succeeded();

        var lease = Server.GetObject(Group, ApiVersion, Plural, "default", "a")!;
        Assert.Equal("pod-b", (string?)lease["spec"]!["holderIdentity"]);
        Assert.Equal(20, (int)lease["spec"]!["leaseDurationSeconds"]!);
        Assert.Equal("pod-b", (string?)lease["status"]!["globalHolderIdentity"]);
        Assert.Equal(3, Generation(lease));
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        await Api.CreateAsync(Lease("a"));
        Assert.Contains("\"a\" deleted", (await Kubectl.RunAsync("delete", "mcl", "a")).Succeeded().Stdout);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "a"));
        Assert.Contains("NotFound", (await Kubectl.RunAsync("get", "mcl", "a")).Stderr);
    }

    [Fact]
    public async Task Wait_for_jsonpath_returns_when_the_status_is_set()
    {
        await Api.CreateAsync(Lease("a"));
        Server.Faults.Classify = request => $"{request.Method} {request.Path}{request.QueryString}";
        var wait = Kubectl.RunAsync("wait", "mcl/a", "--for=jsonpath={.status.globalHolderIdentity}=x", "--timeout=10s");

        // Set the status only once kubectl is watching, so that it has to see the change.
        await Until(() => Server.Faults.Counts().Keys.Any(k => k.StartsWith("GET ", StringComparison.Ordinal) && k.Contains("watch=true", StringComparison.Ordinal)) || wait.IsCompleted);
        if (wait.IsCompleted)
        {
            Assert.Fail($"kubectl wait ended before the status was set: {await wait}");
        }

        await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"x"}}""")!, status: true);

        Assert.Contains("condition met", (await wait).Succeeded().Stdout);
    }

    [Fact]
    public async Task Get_watch_prints_the_table_then_the_changes()
    {
        await Api.CreateAsync(Lease("a", holder: "pod-a"));
        using var process = Kubectl.Start("get", "mcl", "-w");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var header = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.Equal(["NAME", "HOLDER", "(SPEC)", "LEADER", "(STATUS)"], Words(header!)[..5]);
            Assert.Equal(["a", "pod-a"], Words((await process.StandardOutput.ReadLineAsync(timeout.Token))!)[..2]);

            await Api.MergeAsync("a", JsonNode.Parse("""{"status":{"globalHolderIdentity":"pod-a","fencingToken":5}}""")!, status: true);
            Assert.Equal(["a", "pod-a", "pod-a", "5"], Words((await process.StandardOutput.ReadLineAsync(timeout.Token))!)[..4]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Apply_of_a_new_crd_makes_its_resource_usable()
    {
        var crd = Kubectl.WriteFile("crd.yaml", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec: {type: object, properties: {size: {type: integer}}}
            """);
        (await Kubectl.RunAsync("apply", "-f", crd)).Succeeded();
        (await Kubectl.RunAsync("wait", "--for", "condition=Established", "crd/widgets.example.com", "--timeout=10s")).Succeeded();
        var widget = Kubectl.WriteFile("widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n");
        (await Kubectl.RunAsync("apply", "-f", widget)).Succeeded();
        Assert.Equal("3", (await Kubectl.RunAsync("get", "wd", "w", "-o", "jsonpath={.spec.size}")).Succeeded().Stdout);
    }

    /// <summary>Splits kubectl's table output into cells, by the header's column positions (cells may be empty).</summary>
    private static List<string[]> Table(string text)
    {
        var lines = Lines(text);
        var starts = System.Text.RegularExpressions.Regex.Matches(lines[0], @"\S+( \S+)*").Select(m => m.Index).ToList();
        return lines.Select(line => starts.Select((start, i) =>
            start >= line.Length ? "" : line[start..Math.Min(line.Length, i + 1 < starts.Count ? starts[i + 1] : line.Length)].Trim()).ToArray()).ToList();
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
