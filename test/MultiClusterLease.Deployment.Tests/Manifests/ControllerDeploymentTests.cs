using System.Text.Json.Nodes;
using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Manifests;

/// <summary>The controller's Deployment: restricted pod security, probes on the controller's health endpoints, resources.</summary>
public sealed class ControllerDeploymentTests
{
    private static async Task<(IReadOnlyList<KubeObject> Objects, JsonNode Pod, JsonNode Container)> LoadAsync()
    {
        var objects = await Kustomize.BuildAsync("config/default");
        var deployment = objects.Single("Deployment").Body;
        var pod = deployment.At("spec.template.spec")!;
        var container = Assert.Single(pod.Items("containers"));
        return (objects, pod, container);
    }

    [Fact]
    public async Task Pod_meets_the_restricted_pod_security_standard()
    {
        var (_, pod, container) = await LoadAsync();
        Assert.Equal("true", pod.Str("securityContext.runAsNonRoot"));
        Assert.NotEqual("0", pod.Str("securityContext.runAsUser"));
        Assert.Equal("RuntimeDefault", pod.Str("securityContext.seccompProfile.type"));
        Assert.Null(pod.At("hostNetwork"));
        Assert.Null(pod.At("hostPID"));

        Assert.Equal("false", container.Str("securityContext.allowPrivilegeEscalation"));
        Assert.Equal("true", container.Str("securityContext.readOnlyRootFilesystem"));
        Assert.Equal("true", container.Str("securityContext.runAsNonRoot"));
        Assert.Equal(["ALL"], container.Strings("securityContext.capabilities.drop"));
        Assert.Empty(container.Strings("securityContext.capabilities.add"));
        Assert.NotEqual("true", container.StrOrNull("securityContext.privileged"));

        // The only writable path is an emptyDir.
        var mount = Assert.Single(container.Items("volumeMounts"));
        var volume = Assert.Single(pod.Items("volumes"));
        Assert.Equal(volume.Str("name"), mount.Str("name"));
        Assert.NotNull(volume.At("emptyDir"));
    }

    [Fact]
    public async Task Probes_use_the_controllers_health_endpoints_on_its_bind_address()
    {
        var (_, _, container) = await LoadAsync();
        var args = container.Strings("args").ToList();
        var bind = Assert.Single(args, a => a.StartsWith("--health-probe-bind-address=", StringComparison.Ordinal));
        var port = bind[(bind.LastIndexOf(':') + 1)..];
        var containerPort = Assert.Single(container.Items("ports"));
        Assert.Equal(port, containerPort.Str("containerPort"));
        var portName = containerPort.Str("name");

        Assert.Equal("/healthz", container.Str("livenessProbe.httpGet.path"));
        Assert.Equal("/readyz", container.Str("readinessProbe.httpGet.path"));
        Assert.Contains(container.Str("livenessProbe.httpGet.port"), new[] { port, portName });
        Assert.Contains(container.Str("readinessProbe.httpGet.port"), new[] { port, portName });
    }

    [Fact]
    public async Task Container_has_resources_identity_and_its_settings()
    {
        var (objects, pod, container) = await LoadAsync();
        Assert.NotNull(container.StrOrNull("resources.requests.cpu"));
        Assert.NotNull(container.StrOrNull("resources.requests.memory"));
        Assert.NotNull(container.StrOrNull("resources.limits.memory"));

        Assert.Equal(KustomizationTests.ServiceAccount, pod.Str("serviceAccountName"));
        var env = container.Items("env").ToDictionary(e => e.Str("name"), e => e, StringComparer.Ordinal);
        Assert.Equal("metadata.name", env["POD_NAME"].Str("valueFrom.fieldRef.fieldPath"));
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].Str("valueFrom.fieldRef.fieldPath"));

        // Every $(VAR) in the arguments is defined; the bucket comes from the generated ConfigMap, which exists.
        foreach (var arg in container.Strings("args"))
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(arg, @"\$\(([A-Z_]+)\)"))
            {
                Assert.True(env.ContainsKey(m.Groups[1].Value), $"{arg}: {m.Groups[1].Value} is not set");
            }
        }

        var configMap = env["GCS_BUCKET"].At("valueFrom.configMapKeyRef")!;
        var generated = objects.Single("ConfigMap", configMap.Str("name"));
        Assert.NotNull(generated.Body.At($"data.{configMap.Str("key")}"));
        Assert.Contains("--leader-elect=true", container.Strings("args"));
    }

    [Fact]
    public async Task Selectors_match_the_pods()
    {
        var (objects, _, _) = await LoadAsync();
        var deployment = objects.Single("Deployment").Body;
        var podLabels = deployment.At("spec.template.metadata.labels")!.AsObject();
        var selector = deployment.At("spec.selector.matchLabels")!.AsObject();
        Assert.NotEmpty(selector);
        Assert.All(selector, l => Assert.Equal(l.Value!.GetValue<string>(), podLabels[l.Key]?.GetValue<string>()));

        var service = objects.Single("Service").Body;
        Assert.All(service.At("spec.selector")!.AsObject(), l => Assert.Equal(l.Value!.GetValue<string>(), podLabels[l.Key]?.GetValue<string>()));
        var container = deployment.At("spec.template.spec")!.Items("containers").Single();
        var target = Assert.Single(service.Items("spec.ports")).Str("targetPort");
        Assert.Contains(container.Items("ports"), p => p.Str("name") == target || p.Str("containerPort") == target);

        var pdb = objects.Single("PodDisruptionBudget").Body;
        Assert.All(pdb.At("spec.selector.matchLabels")!.AsObject(), l => Assert.Equal(l.Value!.GetValue<string>(), podLabels[l.Key]?.GetValue<string>()));
        Assert.Equal("0", deployment.Str("spec.strategy.rollingUpdate.maxUnavailable"));
    }

    [Fact]
    public async Task Workload_identity_patch_annotates_the_controller_service_account()
    {
        // A copy of config/ with the patch enabled, as the comment in config/default/kustomization.yaml says.
        var copy = Directory.CreateTempSubdirectory("mcl-config-").FullName;
        try
        {
            CopyDirectory(Repo.Path("config"), Path.Combine(copy, "config"));
            var kustomization = Path.Combine(copy, "config", "default", "kustomization.yaml");
            var text = await File.ReadAllTextAsync(kustomization);
            Assert.Contains("# - path: manager_workload_identity_patch.yaml", text, StringComparison.Ordinal);
            await File.WriteAllTextAsync(kustomization, text.Replace("# - path: manager_workload_identity_patch.yaml", "- path: manager_workload_identity_patch.yaml", StringComparison.Ordinal));

            var objects = await Kustomize.RenderAsync(Path.Combine(copy, "config", "default"));
            var account = objects.Single("ServiceAccount", KustomizationTests.ServiceAccount);
            Assert.EndsWith(".iam.gserviceaccount.com", account.Body.Key("metadata.annotations", "iam.gke.io/gcp-service-account"), StringComparison.Ordinal);
            Assert.Equal(KustomizationTests.Namespace, account.Namespace);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
