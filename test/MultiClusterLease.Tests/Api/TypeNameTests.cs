using System.Reflection;

namespace MultiClusterLease.Tests.Api;

/// <summary>No type of ours shares its name with a type of the official client: with <c>using k8s;</c> in a file, a user's code stays unambiguous.</summary>
public sealed class TypeNameTests
{
    [Fact]
    public void NoTypeOfOursHasTheNameOfAnOfficialClientType()
    {
        var official = typeof(k8s.IKubernetes).Assembly.GetExportedTypes().Select(Name).ToHashSet(StringComparer.Ordinal);
        Assembly[] ours =
        [
            typeof(MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease).Assembly,
            typeof(MultiClusterLease.Election.Reconciliation.ElectionController).Assembly,
            typeof(MultiClusterLease.Client.LeaderElection.MultiClusterLeaseLock).Assembly,
            typeof(MultiClusterLease.Controller.Hosting.ControllerSettings).Assembly,
        ];
        var clashes = ours.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsNested && !t.Name.StartsWith('<') && official.Contains(Name(t)))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(clashes.Count == 0, "named like an official client type: " + string.Join(", ", clashes));
    }

    private static string Name(Type type) => type.Name.IndexOf('`', StringComparison.Ordinal) is var tick and > 0 ? type.Name[..tick] : type.Name;
}
