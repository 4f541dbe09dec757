using MultiClusterLease.Deployment.Tests.Infrastructure;
using MultiClusterLease.Deployment.Tests.Manifests;

namespace MultiClusterLease.Deployment.Tests.Build;

/// <summary>
/// make install / deploy / undeploy, with a stand-in kubectl that prints what it would send to the cluster (it renders
/// `-k DIR` with the real kubectl kustomize and prints `-f FILE`).
/// </summary>
public sealed class MakefileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcl-make-").FullName;
    private readonly string _kubectl;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public MakefileTests()
    {
        _kubectl = Path.Combine(_directory, "kubectl");
        File.WriteAllText(_kubectl, """
            #!/usr/bin/env bash
            # Stand-in kubectl: logs each call and writes the objects `apply`/`delete` would send to $FAKE_KUBECTL_OUT;
            # `kustomize` is the real one.
            set -euo pipefail
            echo "kubectl $*" >> "$FAKE_KUBECTL_LOG"
            [ "$1" = kustomize ] && exec kubectl "$@"
            args=("$@")
            for ((i = 0; i < ${#args[@]}; i++)); do
              case "${args[$i]}" in
                -k) exec kubectl kustomize "${args[$((i + 1))]}" > "$FAKE_KUBECTL_OUT" ;;
                -f) exec cat "${args[$((i + 1))]}" > "$FAKE_KUBECTL_OUT" ;;
              esac
            done
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(_kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task Deploy_applies_the_image_bucket_prefix_and_workload_identity()
    {
        var result = (await MakeAsync(
            "deploy",
            "IMG=europe-docker.pkg.dev/p/r/multiclusterlease-controller:v1.2.3",
            "GCS_BUCKET=my-leases",
            "GCS_PREFIX=team-a/",
            "GCP_SERVICE_ACCOUNT=mcl@p.iam.gserviceaccount.com")).Succeeded();
        Assert.Contains("kubectl apply -f", result.KubectlCalls, StringComparison.Ordinal);

        var objects = result.Sent;
        var container = objects.Single("Deployment").Body.At("spec.template.spec")!.Items("containers").Single();
        Assert.Equal("europe-docker.pkg.dev/p/r/multiclusterlease-controller:v1.2.3", container.Str("image"));
        Assert.Contains("--gcs-prefix=team-a/", container.Strings("args"));
        var configMap = objects.Single("ConfigMap");
        Assert.Equal("my-leases", configMap.Body.Str("data.gcs-bucket"));
        Assert.Equal(configMap.Name, container.Items("env").Single(e => e.Str("name") == "GCS_BUCKET").Str("valueFrom.configMapKeyRef.name"));
        Assert.Equal("mcl@p.iam.gserviceaccount.com", objects.Single("ServiceAccount").Body.Key("metadata.annotations", "iam.gke.io/gcp-service-account"));
        Assert.Contains(objects, o => o.Kind == "CustomResourceDefinition");
    }

    [Fact]
    public async Task Deploy_without_prefix_or_workload_identity_adds_neither()
    {
        var result = (await MakeAsync("deploy", "IMG=registry.example/mcl:1", "GCS_BUCKET=my-leases")).Succeeded();
        var objects = result.Sent;
        var container = objects.Single("Deployment").Body.At("spec.template.spec")!.Items("containers").Single();
        Assert.DoesNotContain(container.Strings("args"), a => a.StartsWith("--gcs-prefix", StringComparison.Ordinal));
        Assert.Null(objects.Single("ServiceAccount").Body.At("metadata.annotations"));
    }

    [Theory]
    [InlineData("GCS_BUCKET=my-leases")]
    [InlineData("IMG=registry.example/mcl:1")]
    public async Task Deploy_refuses_to_run_without_image_and_bucket(string only)
    {
        var result = await MakeAsync("deploy", only);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error: set ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("apply", result.KubectlCalls, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_applies_only_the_crd()
    {
        var result = (await MakeAsync("install")).Succeeded();
        Assert.Contains("kubectl apply -k config/crd", result.KubectlCalls, StringComparison.Ordinal);
        Assert.Equal("CustomResourceDefinition", Assert.Single(result.Sent).Kind);
    }

    [Fact]
    public async Task Undeploy_removes_the_controller_but_keeps_the_crd_and_the_leases()
    {
        var result = (await MakeAsync("undeploy")).Succeeded();
        Assert.Contains("kubectl delete --ignore-not-found -k", result.KubectlCalls, StringComparison.Ordinal);
        var deleted = result.Sent;
        Assert.DoesNotContain(deleted, o => o.Kind == "CustomResourceDefinition");
        var expected = (await Kustomize.BuildAsync("config/default")).Where(o => o.Kind != "CustomResourceDefinition").Select(o => o.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(expected, deleted.Select(o => o.ToString()).Order(StringComparer.Ordinal));
        Assert.Contains(deleted, o => o.Kind == "Deployment" && o.Namespace == KustomizationTests.Namespace);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Runs make with the stand-in kubectl; returns its result, what kubectl was asked, and the objects it got.</summary>
    private async Task<MakeResult> MakeAsync(params string[] args)
    {
        var log = Path.Combine(_directory, "kubectl.log");
        var sent = Path.Combine(_directory, "sent.yaml");
        File.WriteAllText(log, "");
        File.WriteAllText(sent, "");
        var result = await ProcessRunner.RunAsync(
            "make",
            ["--no-print-directory", "-C", Repo.Root, .. args, $"KUBECTL={_kubectl}", $"DEPLOY_DIR={Path.Combine(_directory, "deploy")}", $"UNDEPLOY_DIR={Path.Combine(_directory, "undeploy")}"],
            TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string?>
            {
                ["FAKE_KUBECTL_LOG"] = log,
                ["FAKE_KUBECTL_OUT"] = sent,
                // The variables the targets read: only from the command line here.
                ["IMG"] = null, ["GCS_BUCKET"] = null, ["GCS_PREFIX"] = null, ["GCP_SERVICE_ACCOUNT"] = null,
                ["MAKEFLAGS"] = null, ["MAKELEVEL"] = null, ["MFLAGS"] = null,
            });
        return new MakeResult(result, File.ReadAllText(log), Kustomize.Parse(File.ReadAllText(sent)));
    }

    private sealed record MakeResult(ProcessResult Process, string KubectlCalls, IReadOnlyList<KubeObject> Sent)
    {
        public int ExitCode => Process.ExitCode;

        public string Stderr => Process.Stderr;

        public MakeResult Succeeded()
        {
            Process.Succeeded();
            return this;
        }
    }
}
