using System.Text.RegularExpressions;
using Testcontainers.K3s;

namespace MultiClusterLease.E2E.K3s;

/// <summary>
/// One or two K3s clusters in Docker (Testcontainers.K3s), each with the MultiClusterLease CRD installed, and one
/// kubeconfig with a context per cluster (<c>mcl-e2e-1</c>, <c>mcl-e2e-2</c>). Disposing removes the containers
/// (Testcontainers' resource reaper removes them too if this process dies).
/// </summary>
internal sealed partial class K3sClusters : IAsyncDisposable
{
    private const string CrdName = "multiclusterleases.multicluster.core.cnrm.cloud.google.com";
    private readonly List<K3sContainer> _containers = [];

    private K3sClusters(string kubeconfigPath)
    {
        KubeconfigPath = kubeconfigPath;
    }

    /// <summary>Gets the kubeconfig with one context per cluster.</summary>
    public string KubeconfigPath { get; }

    /// <summary>Gets the contexts, one per cluster.</summary>
    public IReadOnlyList<string> Contexts { get; private set; } = [];

    /// <summary>Starts the clusters and installs the CRD in each.</summary>
    /// <param name="count">How many clusters.</param>
    /// <param name="image">The K3s image.</param>
    /// <param name="paths">Where the CRD is.</param>
    /// <param name="directory">Where to write the kubeconfig files.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running clusters.</returns>
    public static async Task<K3sClusters> StartAsync(int count, string image, RepositoryPaths paths, string directory, CancellationToken cancellationToken)
    {
        var clusters = new K3sClusters(Path.Combine(directory, "kubeconfig"));
        try
        {
            var files = new List<string>();
            var contexts = new List<string>();
            for (var i = 1; i <= count; i++)
            {
                var container = new K3sBuilder(image).Build();
                clusters._containers.Add(container);
                Console.WriteLine($"==> starting K3s cluster {i} of {count} ({container.Image.FullName})");
                await container.StartAsync(cancellationToken);

                var context = $"mcl-e2e-{i}";
                var file = Path.Combine(directory, $"{context}.kubeconfig");
                await File.WriteAllTextAsync(file, Rename(await container.GetKubeconfigAsync(), context), cancellationToken);
                files.Add(file);
                contexts.Add(context);
            }

            // One file, as E2E_CONTEXTS expects all contexts in one kubeconfig.
            var merged = await Tools.RunAsync("kubectl", ["config", "view", "--flatten"], new Dictionary<string, string> { ["KUBECONFIG"] = string.Join(Path.PathSeparator, files) }, cancellationToken);
            await File.WriteAllTextAsync(clusters.KubeconfigPath, merged, cancellationToken);
            clusters.Contexts = contexts;
            foreach (var context in contexts)
            {
                Console.WriteLine($"==> installing the CRD in {context}");
                await clusters.KubectlAsync(context, ["apply", "-k", paths.Crd], cancellationToken);
                await clusters.KubectlAsync(context, ["wait", "--for=condition=Established", "--timeout=60s", $"crd/{CrdName}"], cancellationToken);
            }

            return clusters;
        }
        catch
        {
            await clusters.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs kubectl against one cluster.</summary>
    /// <param name="context">The cluster's context.</param>
    /// <param name="args">kubectl's arguments.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <returns>Its output.</returns>
    public Task<string> KubectlAsync(string context, IEnumerable<string> args, CancellationToken cancellationToken)
        => Tools.RunAsync("kubectl", ["--kubeconfig", KubeconfigPath, "--context", context, .. args], null, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await container.DisposeAsync();
        }
    }

    /// <summary>
    /// K3s names its cluster, user and context <c>default</c>; two such files cannot be merged. Renames all three.
    /// </summary>
    /// <param name="kubeconfig">K3s's kubeconfig (server already rewritten to the mapped port by Testcontainers).</param>
    /// <param name="name">The new name.</param>
    /// <returns>The kubeconfig with the names replaced.</returns>
    internal static string Rename(string kubeconfig, string name)
        => DefaultName().Replace(kubeconfig, m => $"{m.Groups["key"].Value}: {name}");

    [GeneratedRegex(@"(?<key>\b(name|cluster|user|current-context)): default\s*$", RegexOptions.Multiline)]
    private static partial Regex DefaultName();
}
