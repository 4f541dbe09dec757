using System.Net;
using k8s;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes.Admission;

public sealed class PatchMediaTypesTests : OfficialClientTestBase
{
    private const string Sample = """
        apiVersion: multicluster.core.cnrm.cloud.google.com/v1alpha1
        kind: MultiClusterLease
        metadata:
          name: sample
          namespace: default
        spec:
          holderIdentity: pod-a
          leaseDurationSeconds: 15
        """;

    [Fact]
    public async Task Strategic_merge_patch_of_a_custom_resource_is_415_with_the_apiservers_message()
    {
        await CreateAsync(NewLease("a"));
        var patch = new V1Patch("""{"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.StrategicMergePatch);

        var (code, status) = await RefusedAsync(() => PatchAsync("a", patch));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Equal("UnsupportedMediaType", (string?)status["reason"]);
        Assert.Equal(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            (string?)status["message"]);
        Assert.Equal("pod-a", (string?)(await GetAsync("a")).Spec!["holderIdentity"]);

        // kubectl patch defaults to a strategic merge patch and reports the refusal.
        var result = await Kubectl.RunAsync("patch", "mcl", "a", "-p", """{"spec":{"holderIdentity":"pod-b"}}""");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("application/strategic-merge-patch+json", result.Stderr);
    }

    [Fact]
    public async Task Strategic_merge_patch_of_a_built_in_kind_is_applied()
    {
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } }, "default");
        var patched = await Client.CoordinationV1.PatchNamespacedLeaseAsync(new V1Patch("""{"spec":{"holderIdentity":"b"}}""", V1Patch.PatchType.StrategicMergePatch), "l", "default");
        Assert.Equal(("b", 15), (patched.Spec.HolderIdentity, patched.Spec.LeaseDurationSeconds));
    }

    [Fact]
    public async Task Server_side_apply_is_refused_with_415_and_never_treated_as_a_merge_patch()
    {
        await CreateAsync(NewLease("a"));
        var apply = new V1Patch($$$"""{"apiVersion":"{{{Group}}}/{{{ApiVersion}}}","kind":"MultiClusterLease","metadata":{"name":"a"},"spec":{"holderIdentity":"pod-b"}}""", V1Patch.PatchType.ApplyPatch);

        var (code, status) = await RefusedAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(apply, Group, ApiVersion, "default", Plural, "a", fieldManager: "test", force: true));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Contains("server-side apply", (string?)status["message"]);
        Assert.Equal("pod-a", (string?)(await GetAsync("a")).Spec!["holderIdentity"]);
        (code, _) = await RefusedAsync(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(apply, Group, ApiVersion, "default", Plural, "absent", fieldManager: "test"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "absent"));

        // kubectl apply --server-side fails visibly; client-side kubectl apply creates and then updates.
        var file = Kubectl.WriteFile("sample.yaml", Sample);
        var serverSide = await Kubectl.RunAsync("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, serverSide.ExitCode);
        Assert.Contains("server-side apply", serverSide.Stderr);
        Assert.Null(Server.GetObject(Group, ApiVersion, Plural, "default", "sample"));

        Assert.Contains("sample created", (await Kubectl.RunAsync("apply", "-f", file)).Succeeded().Stdout);
        File.WriteAllText(file, Sample.Replace("pod-a", "pod-b", StringComparison.Ordinal));
        Assert.Contains("sample configured", (await Kubectl.RunAsync("apply", "-f", file)).Succeeded().Stdout);
        Assert.Equal("pod-b", (string?)Server.GetObject(Group, ApiVersion, Plural, "default", "sample")!["spec"]!["holderIdentity"]);
    }
}
