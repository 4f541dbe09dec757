using System.Text.RegularExpressions;
using MultiClusterLease.Deployment.Tests.Infrastructure;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Deployment.Tests.Manifests;

/// <summary>Every kustomization builds, and config/default holds exactly the objects the controller needs.</summary>
public sealed partial class KustomizationTests
{
    public const string Namespace = "multiclusterlease-system";
    public const string ServiceAccount = "multiclusterlease-controller";

    // Each kind with the apiVersion it must be served under, and whether it is namespaced.
    private static readonly Dictionary<string, (string ApiVersion, bool Namespaced)> KnownKinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = ("v1", false),
        ["CustomResourceDefinition"] = ("apiextensions.k8s.io/v1", false),
        ["ServiceAccount"] = ("v1", true),
        ["ClusterRole"] = ("rbac.authorization.k8s.io/v1", false),
        ["ClusterRoleBinding"] = ("rbac.authorization.k8s.io/v1", false),
        ["Role"] = ("rbac.authorization.k8s.io/v1", true),
        ["RoleBinding"] = ("rbac.authorization.k8s.io/v1", true),
        ["ConfigMap"] = ("v1", true),
        ["Service"] = ("v1", true),
        ["Deployment"] = ("apps/v1", true),
        ["PodDisruptionBudget"] = ("policy/v1", true),
        ["MultiClusterLease"] = (MultiClusterLeaseApi.ApiVersion, true),
    };

    [Theory]
    [InlineData("config/crd")]
    [InlineData("config/rbac")]
    [InlineData("config/manager")]
    [InlineData("config/default")]
    [InlineData("config/samples")]
    public async Task Kustomization_builds_into_valid_objects(string directory)
    {
        var objects = await Kustomize.BuildAsync(directory);
        Assert.NotEmpty(objects);
        foreach (var o in objects)
        {
            Assert.True(KnownKinds.TryGetValue(o.Kind, out var known), $"{o}: unexpected kind");
            Assert.Equal(known.ApiVersion, o.ApiVersion);
            Assert.Matches(DnsSubdomain(), o.Name);
            if (!known.Namespaced)
            {
                Assert.Null(o.Namespace);
            }
        }

        var duplicates = objects.GroupBy(o => o.ToString()).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public async Task Default_installs_the_crd_rbac_and_controller_in_one_namespace()
    {
        var objects = await Kustomize.BuildAsync("config/default");
        var names = objects.Select(o => o.Kind == "ConfigMap" ? $"ConfigMap {o.Namespace}/{StripHash(o.Name)}" : o.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(
            new[]
            {
                "ClusterRole multiclusterlease-controller",
                "ClusterRoleBinding multiclusterlease-controller",
                $"ConfigMap {Namespace}/multiclusterlease-controller-config",
                $"CustomResourceDefinition {MultiClusterLeaseApi.Plural}.{MultiClusterLeaseApi.Group}",
                $"Deployment {Namespace}/multiclusterlease-controller",
                $"Namespace {Namespace}",
                $"PodDisruptionBudget {Namespace}/multiclusterlease-controller",
                $"Role {Namespace}/multiclusterlease-leader-election",
                $"RoleBinding {Namespace}/multiclusterlease-leader-election",
                $"Service {Namespace}/multiclusterlease-controller-metrics",
                $"ServiceAccount {Namespace}/{ServiceAccount}",
            },
            names);
        Assert.All(objects.Where(o => KnownKinds[o.Kind].Namespaced), o => Assert.Equal(Namespace, o.Namespace));
        Assert.Equal("restricted", objects.Single("Namespace").Body.Key("metadata.labels", "pod-security.kubernetes.io/enforce"));
    }

    [Fact]
    public async Task Crd_is_the_api_the_code_uses()
    {
        var crd = (await Kustomize.BuildAsync("config/crd")).Single("CustomResourceDefinition").Body;
        Assert.Equal(MultiClusterLeaseApi.Group, crd.Str("spec.group"));
        Assert.Equal(MultiClusterLeaseApi.Kind, crd.Str("spec.names.kind"));
        Assert.Equal(MultiClusterLeaseApi.Plural, crd.Str("spec.names.plural"));
        Assert.Equal("Namespaced", crd.Str("spec.scope"));
        var version = Assert.Single(crd.Items("spec.versions"));
        Assert.Equal(MultiClusterLeaseApi.Version, version.Str("name"));
        Assert.NotNull(version.At("subresources.status"));
    }

    [Fact]
    public async Task Bindings_name_roles_and_service_accounts_that_exist()
    {
        foreach (var directory in new[] { "config/default", "config/samples" })
        {
            var objects = await Kustomize.BuildAsync(directory);
            foreach (var binding in objects.Where(o => o.Kind is "RoleBinding" or "ClusterRoleBinding"))
            {
                var kind = binding.Body.Str("roleRef.kind");
                var name = binding.Body.Str("roleRef.name");
                Assert.Equal("rbac.authorization.k8s.io", binding.Body.Str("roleRef.apiGroup"));
                Assert.Contains(objects, o => o.Kind == kind && o.Name == name && (kind == "ClusterRole" || o.Namespace == binding.Namespace));
                Assert.All(binding.Body.Items("subjects"), s =>
                {
                    Assert.Equal("ServiceAccount", s.Str("kind"));
                    Assert.Contains(objects, o => o.Kind == "ServiceAccount" && o.Name == s.Str("name") && o.Namespace == s.Str("namespace"));
                });
            }
        }
    }

    [Fact]
    public async Task Sample_lease_is_valid_for_the_controller()
    {
        var lease = (await Kustomize.BuildAsync("config/samples")).Single(MultiClusterLeaseApi.Kind).Body;
        var duration = int.Parse(lease.Str("spec.leaseDurationSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        var renew = int.Parse(lease.Str("spec.renewDeadlineSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        var retry = int.Parse(lease.Str("spec.retryPeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(duration > renew + (2 * retry), "leaseDuration > renewDeadline + 2 × retryPeriod");
        Assert.True(retry >= 2, "retryPeriod ≥ 2 s");
    }

    internal static string StripHash(string name) => GeneratedSuffix().Replace(name, "");

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex(@"-[a-z0-9]{10}$")]
    private static partial Regex GeneratedSuffix();
}
