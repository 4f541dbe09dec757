using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Manifests;

/// <summary>
/// Least privilege, from the manifests' side: the roles grant exactly the verbs the code's calls need (named here with
/// <see cref="ResourceType"/>s). PublishedControllerTests checks the other side: every call the running
/// controller and client make is allowed by these roles.
/// </summary>
public sealed class RbacTests
{
    private static readonly ResourceType Leases = ResourceType.MultiClusterLeases;

    [Fact]
    public async Task Controller_cluster_role_grants_exactly_its_leases_their_status_and_events()
    {
        var objects = await Kustomize.BuildAsync("config/default");
        var rules = new RbacModel(objects).RulesFor(KustomizationTests.Namespace, KustomizationTests.ServiceAccount);
        var clusterWide = rules.Where(r => r.Namespace is null).SelectMany(r => r.Rule.Grants()).ToHashSet();
        Assert.Equal(
            new HashSet<(string, string, string)>
            {
                (Leases.Group, Leases.Plural, "get"),
                (Leases.Group, Leases.Plural, "list"),
                (Leases.Group, Leases.Plural, "watch"),
                (Leases.Group, Leases.Plural, "patch"),
                (Leases.Group, Leases.Plural + "/status", "patch"),
                (ResourceType.Events.Group, ResourceType.Events.Plural, "create"),
                (ResourceType.Events.Group, ResourceType.Events.Plural, "patch"),
            },
            clusterWide);
        Assert.All(rules.Where(r => r.Namespace is null), r => Assert.Empty(r.Rule.ResourceNames));
    }

    [Fact]
    public async Task Controller_may_only_use_its_own_lease_in_its_own_namespace()
    {
        var objects = await Kustomize.BuildAsync("config/default");
        var rules = new RbacModel(objects).RulesFor(KustomizationTests.Namespace, KustomizationTests.ServiceAccount)
            .Where(r => r.Namespace is not null)
            .ToList();
        Assert.All(rules, r => Assert.Equal(KustomizationTests.Namespace, r.Namespace));
        Assert.Equal(
            new HashSet<(string, string, string)>
            {
                (ResourceType.Leases.Group, ResourceType.Leases.Plural, "create"),
                (ResourceType.Leases.Group, ResourceType.Leases.Plural, "get"),
                (ResourceType.Leases.Group, ResourceType.Leases.Plural, "update"),
            },
            rules.SelectMany(r => r.Rule.Grants()).ToHashSet());

        // Reading and renewing (the official LeaseLock: get, then update): only the Lease named by --leader-election-id's default.
        var named = Assert.Single(rules, r => r.Rule.Verbs.Contains("update")).Rule;
        Assert.Equal(["multiclusterlease-controller"], named.ResourceNames);
        Assert.Contains(Assert.Single(rules, r => r.Rule.Verbs.Contains("create")).Rule.Verbs, v => v == "create");
    }

    [Fact]
    public async Task Candidate_role_grants_get_list_watch_create_patch_and_nothing_on_status()
    {
        var objects = await Kustomize.BuildAsync("config/samples");
        var account = objects.Single("ServiceAccount");
        var rules = new RbacModel(objects).RulesFor(account.Namespace!, account.Name);
        Assert.All(rules, r => Assert.Equal(account.Namespace, r.Namespace));
        Assert.Equal(
            new HashSet<(string, string, string)>
            {
                (Leases.Group, Leases.Plural, "get"),
                (Leases.Group, Leases.Plural, "list"),
                (Leases.Group, Leases.Plural, "watch"),
                (Leases.Group, Leases.Plural, "create"),
                (Leases.Group, Leases.Plural, "patch"),
            },
            rules.SelectMany(r => r.Rule.Grants()).ToHashSet());
        var status = new ApiRequest("patch", Leases.Group, Leases.Plural, "status", account.Namespace, "my-operator");
        Assert.False(new RbacModel(objects).Allows(account.Namespace!, account.Name, status));
    }
}
