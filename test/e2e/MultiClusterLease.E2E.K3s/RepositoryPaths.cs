using System.Reflection;

namespace MultiClusterLease.E2E.K3s;

/// <summary>Where the repository's pieces are that a run uses.</summary>
/// <param name="Root">The repository root.</param>
/// <param name="Configuration">The build configuration.</param>
internal sealed record RepositoryPaths(string Root, string Configuration)
{
    /// <summary>Gets the built controller.</summary>
    public string ControllerDll => Path.Combine(Root, "src", "MultiClusterLease.Controller", "bin", Configuration, "net10.0", "MultiClusterLease.Controller.dll");

    /// <summary>Gets the kustomization of the CRD.</summary>
    public string Crd => Path.Combine(Root, "config", "crd");

    /// <summary>Gets the e2e test project.</summary>
    public string E2ETests => Path.Combine(Root, "test", "e2e", "MultiClusterLease.E2E.Tests");

    /// <summary>The repository this program was built from.</summary>
    /// <param name="configuration">The build configuration.</param>
    /// <returns>The paths.</returns>
    public static RepositoryPaths FromBuild(string configuration)
        => new(
            typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
            configuration);
}
