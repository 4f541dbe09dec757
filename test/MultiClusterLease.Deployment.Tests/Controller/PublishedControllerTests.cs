using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Deployment.Tests.Infrastructure;
using MultiClusterLease.Deployment.Tests.Manifests;
using MultiClusterLease.E2E.K3s;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using k8s;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Sandbox.Gcs;
using MultiClusterLease.Sandbox.Kubernetes;
using Xunit.Abstractions;

namespace MultiClusterLease.Deployment.Tests.Controller;

/// <summary>The published controller, the files the image runs: it starts, serves its probes, and does its job with
/// the manifest's arguments while calling only what its RBAC allows.</summary>
[Collection(PublishedControllerCollection.Name)]
public sealed class PublishedControllerTests(PublishedControllerFixture published, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("mcl-controller-").FullName;

    [Fact]
    public void Published_output_is_framework_dependent_portable_and_lean()
    {
        Assert.True(File.Exists(published.Dll), $"{published.Dll} is missing");
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(published.Directory, "MultiClusterLease.Controller.runtimeconfig.json")))!;
        var frameworks = runtimeConfig["runtimeOptions"]!["frameworks"]?.AsArray().Select(f => f!["name"]!.GetValue<string>())
            ?? [runtimeConfig["runtimeOptions"]!["framework"]!["name"]!.GetValue<string>()];
        Assert.Contains("Microsoft.AspNetCore.App", frameworks);

        // The image's ENTRYPOINT is `dotnet MultiClusterLease.Controller.dll`: no native launcher, no satellite
        // assemblies, no XML docs.
        Assert.False(File.Exists(Path.Combine(published.Directory, "MultiClusterLease.Controller")), "an apphost was published");
        Assert.Empty(Directory.GetFiles(published.Directory, "*.xml"));
        Assert.DoesNotContain(Directory.GetDirectories(published.Directory).Select(Path.GetFileName), d => d is "de" or "fr" or "ja" or "zh-Hans");
    }

    [Fact]
    public async Task Stops_at_start_up_naming_the_file_the_context_and_the_fix_when_the_API_server_is_unreachable()
    {
        var kubeconfig = Path.Combine(_directory, "unreachable.kubeconfig");
        SandboxKubeconfig.Write(kubeconfig, [("unreachable", new Uri("http://127.0.0.1:1"), "default")], null);
        await using var controller = published.Start(
            ["--gcs-bucket", "mcl-health-test", "--kubeconfig", kubeconfig, "--context", "unreachable", "--gcs-endpoint", "http://127.0.0.1:1", "--health-probe-bind-address", $"127.0.0.1:{LoopbackPort.Free()}"]);

        Assert.Equal(2, await controller.WaitForExitAsync(Patience));
        Assert.Contains(kubeconfig, controller.Output, StringComparison.Ordinal);
        Assert.Contains("context 'unreachable'", controller.Output, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", controller.Output, StringComparison.Ordinal);
        Assert.Contains("Fix:", controller.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stops_at_start_up_naming_the_file_and_the_contexts_when_the_context_is_unknown()
    {
        var kubeconfig = Path.Combine(_directory, "one.kubeconfig");
        SandboxKubeconfig.Write(kubeconfig, [("one", new Uri("http://127.0.0.1:1"), "default")], null);
        await using var controller = published.Start(
            ["--gcs-bucket", "mcl-health-test", "--kubeconfig", kubeconfig, "--context", "two", "--gcs-endpoint", "http://127.0.0.1:1", "--health-probe-bind-address", $"127.0.0.1:{LoopbackPort.Free()}"]);

        Assert.Equal(2, await controller.WaitForExitAsync(Patience));
        Assert.Contains(kubeconfig, controller.Output, StringComparison.Ordinal);
        Assert.Contains("context 'two' not found (contexts: one)", controller.Output, StringComparison.Ordinal);
        Assert.Contains("Fix:", controller.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stops_at_start_up_and_says_why_when_deployed_without_a_bucket()
    {
        // config/manager's placeholder, which an overlay (or make deploy GCS_BUCKET=...) replaces.
        var configMap = (await Kustomize.BuildAsync("config/default")).Single("ConfigMap").Body;
        var placeholder = configMap.Str("data.gcs-bucket");
        var kubeconfig = Path.Combine(_directory, "unreachable.kubeconfig");
        SandboxKubeconfig.Write(kubeconfig, [("unreachable", new Uri("http://127.0.0.1:1"), "default")], null);
        await using var controller = published.Start(
            [$"--gcs-bucket={placeholder}", "--kubeconfig", kubeconfig, "--health-probe-bind-address", $"127.0.0.1:{LoopbackPort.Free()}"]);

        Assert.NotEqual(0, await controller.WaitForExitAsync(Patience));
        Assert.Contains(placeholder, controller.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_with_the_manifest_arguments_and_calls_only_what_its_rbac_grants()
    {
        const string bucket = "mcl-deployment-test";
        const string ns = "default";
        const string podName = "multiclusterlease-controller-7d9c-abcde";
        await using var cluster = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions
        {
            ClusterName = "deployment-test",
            CrdFiles = [Repo.Path("config", "crd", "bases", $"{MultiClusterLeaseApi.Group}_{MultiClusterLeaseApi.Plural}.yaml")],
            BookmarkInterval = TimeSpan.FromSeconds(1),
        });
        await using var gcs = await FakeGcsServer.StartAsync(new FakeGcsServerOptions { Buckets = [bucket] }, CancellationToken.None);
        cluster.Faults.Classify = request => $"{request.Method} {request.Path}{request.QueryString}";

        // The pod's view: its namespace is the kubeconfig context's (in a pod, the service account's).
        var kubeconfig = Path.Combine(_directory, "sandbox.kubeconfig");
        SandboxKubeconfig.Write(kubeconfig, [("deployment-test", cluster.BaseAddress, KustomizationTests.Namespace)], null);

        // The container's arguments and environment from config/default, with what a pod gets from its environment
        // (in-cluster config, storage.googleapis.com) given as flags instead.
        var manifests = await Kustomize.BuildAsync("config/default");
        var container = manifests.Single("Deployment").Body.At("spec.template.spec")!.Items("containers").Single();
        var environment = new Dictionary<string, string?>
        {
            ["GCS_BUCKET"] = bucket,
            ["POD_NAME"] = podName,
            ["POD_NAMESPACE"] = KustomizationTests.Namespace,
        };
        Assert.Equal(environment.Keys.Order(StringComparer.Ordinal), container.Items("env").Select(e => e.Str("name")).Order(StringComparer.Ordinal));
        var port = LoopbackPort.Free();
        var args = container.Strings("args")
            .Select(a => environment.Aggregate(a, (text, v) => text.Replace($"$({v.Key})", v.Value, StringComparison.Ordinal)))
            .Select(a => a.StartsWith("--health-probe-bind-address=", StringComparison.Ordinal) ? $"--health-probe-bind-address=127.0.0.1:{port}" : a)
            .Concat(["--kubeconfig", kubeconfig, "--gcs-endpoint", gcs.BaseAddress.ToString()])
            .ToList();

        await using var controller = published.Start(args, environment);
        await controller.WaitForStatusAsync(new Uri($"http://127.0.0.1:{port}/readyz"), HttpStatusCode.OK, Patience);

        using var candidateApi = Client(kubeconfig, "deployment-test-candidate");
        using var admin = Client(kubeconfig, "deployment-test-admin");
        await using var candidate = new MultiClusterLeaseCandidate(candidateApi, new MultiClusterLeaseCandidateOptions
        {
            Namespace = ns,
            Name = "election",
            Identity = "candidate-a",
            LeaseDuration = TimeSpan.FromSeconds(8),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromSeconds(2),
        });

        // 1. The candidate leads: the controller wrote the lock object and answered in status.
        await Eventually(async () => (await candidate.TryAcquireOrRenewAsync()).Acquired, "the candidate never acquired the lease", controller);
        Assert.True(candidate.FencingToken >= 1);
        Assert.True(gcs.TryGetObject(bucket, $"leases/{ns}/election", out var body, out _), "no lock object leases/default/election");
        var record = JsonNode.Parse(body)!;
        Assert.Equal("candidate-a", record["holderIdentity"]!.GetValue<string>());

        // 2. A spec that breaks the timing rule: condition and Warning event, no crash.
        await admin.CustomObjects.CreateNamespacedCustomObjectAsync(new JsonObject
        {
            ["apiVersion"] = MultiClusterLeaseApi.ApiVersion,
            ["kind"] = MultiClusterLeaseApi.Kind,
            ["metadata"] = new JsonObject { ["name"] = "too-tight", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = "someone",
                ["renewTime"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
                ["leaseDurationSeconds"] = 8,
                ["renewDeadlineSeconds"] = 6,
                ["retryPeriodSeconds"] = 2,
            },
        }, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural);
        await Eventually(
            () => Task.FromResult(Condition(cluster.GetObject(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, ns, "too-tight"), ConditionTypes.SpecValid) is ("False", "InvalidSpec")),
            "no SpecValid=False/InvalidSpec condition",
            controller);
        await Eventually(
            () => Task.FromResult(cluster.ListObjects("", "v1", "events", ns).Any(e => e["reason"]?.GetValue<string>() == "InvalidSpec" && e["type"]?.GetValue<string>() == "Warning")),
            "no InvalidSpec Warning event",
            controller);

        // 3. A graceful release, then deletion through the controller's finalizer.
        Assert.True(await candidate.ReleaseAsync());
        await Eventually(
            () => Task.FromResult(cluster.GetObject(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, ns, "election")?["status"]?["globalHolderIdentity"]?.GetValue<string>() == ""),
            "the release was not reported",
            controller);
        await admin.CustomObjects.DeleteNamespacedCustomObjectAsync(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural, "election");
        await admin.CustomObjects.DeleteNamespacedCustomObjectAsync(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, ns, MultiClusterLeaseApi.Plural, "too-tight");
        await Eventually(
            () => Task.FromResult(cluster.ListObjects(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural).Count == 0),
            "the deleted MultiClusterLeases were not finalized",
            controller);
        Assert.Equal(0, await controller.TerminateAsync(TimeSpan.FromSeconds(20)));

        // What the controller and the candidate called, as RBAC sees it.
        var calls = Calls(cluster);
        var controllerCalls = calls.Where(c => c.Caller.StartsWith($"multiclusterlease-controller/", StringComparison.Ordinal) && c.Caller.Contains(podName, StringComparison.Ordinal)).ToList();
        var candidateCalls = calls.Where(c => c.Caller == "deployment-test-candidate").ToList();
        Assert.NotEmpty(controllerCalls);
        Assert.NotEmpty(candidateCalls);
        foreach (var call in controllerCalls.Concat(candidateCalls).Select(c => $"{c.Caller}: {c.Request?.ToString() ?? c.Http}").Distinct().Order(StringComparer.Ordinal))
        {
            output.WriteLine(call);
        }

        var controllerRbac = new RbacModel(manifests);
        var denied = controllerCalls.Where(c => c.Request is { } r && !controllerRbac.Allows(KustomizationTests.Namespace, KustomizationTests.ServiceAccount, r)).ToList();
        Assert.True(denied.Count == 0, "the controller's RBAC does not allow:\n" + string.Join("\n", denied.Select(d => $"{d.Request} ({d.Http})")));
        AssertDiscoveryOnly(controllerCalls);

        // The calls this scenario must have made, so that the check above means something.
        var made = controllerCalls.Where(c => c.Request is not null).Select(c => (c.Request!.Verb, c.Request.Group, c.Request.FullResource)).ToHashSet();
        var leases = ResourceType.MultiClusterLeases;
        Assert.Contains(("list", leases.Group, leases.Plural), made);
        Assert.Contains(("watch", leases.Group, leases.Plural), made);
        Assert.Contains(("patch", leases.Group, leases.Plural), made);
        Assert.Contains(("patch", leases.Group, leases.Plural + "/status"), made);
        Assert.Contains(("create", ResourceType.Events.Group, ResourceType.Events.Plural), made);

        var samples = await Kustomize.BuildAsync("config/samples");
        var account = samples.Single("ServiceAccount");
        Assert.Equal(ns, account.Namespace);
        var candidateRbac = new RbacModel(samples);
        var candidateDenied = candidateCalls.Where(c => c.Request is { } r && !candidateRbac.Allows(ns, account.Name, r)).ToList();
        Assert.True(candidateDenied.Count == 0, "the candidate Role does not allow:\n" + string.Join("\n", candidateDenied.Select(d => $"{d.Request} ({d.Http})")));
        AssertDiscoveryOnly(candidateCalls);
        Assert.DoesNotContain(candidateCalls, c => c.Request?.Subresource is not null);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static k8s.Kubernetes Client(string kubeconfig, string userAgent)
        => new(KubernetesConnection.Load(new KubernetesConnectionOptions { KubeconfigPath = kubeconfig, UserAgent = userAgent, RequestTimeout = TimeSpan.FromSeconds(5) }));

    private static (string? Status, string? Reason) Condition(JsonObject? lease, string type)
    {
        var condition = lease?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
        return (condition?["status"]?.GetValue<string>(), condition?["reason"]?.GetValue<string>());
    }

    private static async Task Eventually(Func<Task<bool>> condition, string failure, ControllerProcess controller)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            if (controller.HasExited)
            {
                Assert.Fail($"the controller exited:\n{controller.Output}");
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{failure} within {Patience}. Controller output:\n{controller.Output}");
    }

    /// <summary>Every request the API server received, by caller (User-Agent), classified for RBAC.</summary>
    private static List<(string Caller, string Http, ApiRequest? Request)> Calls(FakeKubernetesApiServer cluster)
        => cluster.Faults.Counts().Keys
            .Where(k => k.StartsWith("caller:", StringComparison.Ordinal))
            .Select(k =>
            {
                var bar = k.IndexOf('|', StringComparison.Ordinal);
                var http = k[(bar + 1)..];
                var space = http.IndexOf(' ', StringComparison.Ordinal);
                return (k["caller:".Length..bar], http, ApiRequest.FromHttp(http[..space], http[(space + 1)..]));
            })
            .ToList();

    /// <summary>Non-resource requests must be discovery, which every authenticated user may do.</summary>
    private static void AssertDiscoveryOnly(IEnumerable<(string Caller, string Http, ApiRequest? Request)> calls)
        => Assert.All(calls.Where(c => c.Request is null), c => Assert.Matches(@"^GET /(api|apis|version|openapi/v[23])(/[^/?]+)?(\?.*)?$", c.Http));
}
