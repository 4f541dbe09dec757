using MultiClusterLease.Sandbox.Gcs;
using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Sandbox.Environment;

/// <summary>Settings of a <see cref="SandboxEnvironment"/>.</summary>
public sealed class SandboxEnvironmentOptions
{
    /// <summary>Gets the simulated clusters' names; each becomes a kubeconfig context (default cluster-a, cluster-b, cluster-c).</summary>
    public IReadOnlyList<string> Clusters { get; init; } = ["cluster-a", "cluster-b", "cluster-c"];

    /// <summary>Gets the bucket of the fake GCS server (default <c>mcl-sandbox</c>).</summary>
    public string Bucket { get; init; } = "mcl-sandbox";

    /// <summary>Gets where the kubeconfig is written; default: a new temporary directory.</summary>
    public string? Directory { get; init; }

    /// <summary>Gets how the fake GCS assigns generations (default increasing).</summary>
    public GcsGenerationMode GenerationMode { get; init; } = GcsGenerationMode.Increasing;

    /// <summary>Gets the seed of the fault injectors' randomness.</summary>
    public int Seed { get; init; }

    /// <summary>Gets the watch bookmark interval of the fake API servers (default 5 s).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// A local stand-in for several clusters and a bucket: one <see cref="FakeKubernetesApiServer"/> per cluster and one
/// <see cref="FakeGcsServer"/>, all on 127.0.0.1, plus a kubeconfig with one context per cluster (so <c>kubectl</c>
/// works against it).
/// </summary>
public sealed class SandboxEnvironment : IAsyncDisposable
{
    private readonly Dictionary<string, FakeKubernetesApiServer> _clusters;

    private SandboxEnvironment(Dictionary<string, FakeKubernetesApiServer> clusters, FakeGcsServer gcs, string bucket, string kubeconfigPath)
    {
        _clusters = clusters;
        Gcs = gcs;
        Bucket = bucket;
        KubeconfigPath = kubeconfigPath;
    }

    /// <summary>Gets the cluster names in order.</summary>
    public IReadOnlyList<string> ClusterNames => [.. _clusters.Keys];

    /// <summary>Gets the fake GCS server.</summary>
    public FakeGcsServer Gcs { get; }

    /// <summary>Gets the bucket name.</summary>
    public string Bucket { get; }

    /// <summary>Gets the kubeconfig path; its context names are the cluster names.</summary>
    public string KubeconfigPath { get; }

    /// <summary>Gets a cluster's API server.</summary>
    /// <param name="name">The cluster name.</param>
    /// <returns>The server.</returns>
    public FakeKubernetesApiServer Cluster(string name) => _clusters[name];

    /// <summary>Starts the servers and writes the kubeconfig.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The environment; dispose it to stop every server.</returns>
    public static async Task<SandboxEnvironment> StartAsync(SandboxEnvironmentOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxEnvironmentOptions();
        var clusters = new Dictionary<string, FakeKubernetesApiServer>(StringComparer.Ordinal);
        FakeGcsServer? gcs = null;
        try
        {
            var seed = options.Seed;
            foreach (var name in options.Clusters)
            {
                clusters[name] = await FakeKubernetesApiServer.StartAsync(
                    new FakeKubernetesApiServerOptions
                    {
                        ClusterName = name,
                        BookmarkInterval = options.BookmarkInterval,
                        Faults = new Faults.FaultInjector(seed++),
                    },
                    cancellationToken);
            }

            gcs = await FakeGcsServer.StartAsync(
                new FakeGcsServerOptions { Buckets = [options.Bucket], GenerationMode = options.GenerationMode, Seed = seed },
                cancellationToken);

            var directory = options.Directory ?? Directory.CreateTempSubdirectory("mcl-sandbox-").FullName;
            Directory.CreateDirectory(directory);
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            SandboxKubeconfig.Write(kubeconfig, clusters.Select(c => (c.Key, c.Value.BaseAddress, "default")), null);
            return new SandboxEnvironment(clusters, gcs, options.Bucket, kubeconfig);
        }
        catch
        {
            foreach (var cluster in clusters.Values)
            {
                await cluster.DisposeAsync();
            }

            if (gcs is not null)
            {
                await gcs.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Removes every injected fault from every server (the faults heal).</summary>
    public void HealAll()
    {
        foreach (var cluster in _clusters.Values)
        {
            cluster.Faults.Clear();
        }

        Gcs.Faults.Clear();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync();
        }

        await Gcs.DisposeAsync();
    }
}
