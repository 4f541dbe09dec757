using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Controller.Hosting;
using MultiClusterLease.Election.Backend;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Sandbox.Environment;

namespace MultiClusterLease.E2E.Tests;

/// <summary>One place where candidates run: a cluster (kubeconfig context) and a namespace in it.</summary>
public sealed record Site(string Name, string Context, string Namespace, IKubernetes Api);

/// <summary>
/// The target of the scenarios, shared by all of them: two sites and a reader of the lock objects. On real clusters
/// it creates a namespace per run (deleted at the end); on the sandbox it also runs one controller per cluster,
/// in-process, as the deployment would (the real controller host, leader election on).
/// </summary>
public sealed class E2EEnvironment : IAsyncLifetime
{

    private readonly List<Func<ValueTask>> _cleanup = [];
    private readonly List<Site> _sites = [];
    private E2ESettings? _settings;

    /// <summary>Gets this run's id, part of namespaces and lock names so that runs never collide.</summary>
    public string RunId { get; } = $"{DateTime.UtcNow:MMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";

    /// <summary>Gets the two sites: two clusters, or two namespaces of one cluster.</summary>
    public IReadOnlyList<Site> Sites => _sites;

    /// <summary>Gets the lock backend the controllers use, to read lock objects.</summary>
    public ILockBackend Locks { get; private set; } = null!;

    /// <summary>Gets a description of the target, for messages.</summary>
    public string Target { get; private set; } = "";

    /// <summary>Gets a lock name unique to this run and scenario.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <returns>The lock name.</returns>
    public string LockName(string scenario) => $"mcl-e2e/{RunId}/{scenario}";

    public async Task InitializeAsync()
    {
        _settings = E2ESettings.FromEnvironment();
        var ns = $"mcl-e2e-{RunId}";
        if (_settings.RealClusters)
        {
            await StartRealAsync(_settings, ns);
        }
        else
        {
            await StartSandboxAsync(ns);
        }

        foreach (var site in _sites)
        {
            try
            {
                await site.Api.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = site.Namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "multiclusterlease-e2e" } } });
            }
            catch (Exception ex) when (ex.IsAlreadyExists())
            {
            }

            try
            {
                await site.Api.ListLeasesAsync(site.Namespace);
            }
            catch (Exception ex) when (ex.IsNotFound())
            {
                throw new InvalidOperationException($"{site.Context}: the MultiClusterLease CRD is not installed; deploy the controller first (make deploy IMG=... GCS_BUCKET=...)", ex);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_settings?.RealClusters == true)
        {
            foreach (var site in _sites.DistinctBy(s => (s.Context, s.Namespace)))
            {
                try
                {
                    await site.Api.CoreV1.DeleteNamespaceAsync(site.Namespace);
                }
                catch (Exception ex) when (ex is HttpOperationException or HttpRequestException)
                {
                    Console.Error.WriteLine($"e2e: could not delete namespace {site.Namespace} in {site.Context}: {ex.Message}");
                }
            }
        }

        foreach (var cleanup in Enumerable.Reverse(_cleanup))
        {
            await cleanup();
        }
    }

    private async Task StartRealAsync(E2ESettings settings, string ns)
    {
        var contexts = settings.Contexts.Take(2).ToList();
        Target = $"clusters {string.Join(", ", contexts)} and gs://{settings.Bucket}/{settings.Prefix}";
        var sites = contexts.Count >= 2
            ? contexts.Select((context, i) => (Name: $"site-{(char)('a' + i)}", Context: context, Namespace: ns)).ToList()
            : [("site-a", contexts[0], $"{ns}-a"), ("site-b", contexts[0], $"{ns}-b")];
        foreach (var (name, context, siteNamespace) in sites)
        {
            var client = new k8s.Kubernetes(KubernetesConnection.Load(new KubernetesConnectionOptions { Context = context, UserAgent = $"multiclusterlease-e2e ({name})", RequestTimeout = TimeSpan.FromSeconds(10) }));
            _cleanup.Add(() =>
            {
                client.Dispose();
                return ValueTask.CompletedTask;
            });
            _sites.Add(new Site(name, context, siteNamespace, client));
        }

        Locks = LockReader(settings.Bucket!, settings.Prefix, null, settings.CredentialsFile);
    }

    private async Task StartSandboxAsync(string ns)
    {
        var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Clusters = ["cluster-a", "cluster-b"], BookmarkInterval = TimeSpan.FromSeconds(1) });
        _cleanup.Add(() => sandbox.DisposeAsync());
        Target = $"the sandbox ({string.Join(", ", sandbox.ClusterNames)}, bucket {sandbox.Bucket})";
        foreach (var cluster in sandbox.ClusterNames)
        {
            var controller = ControllerHost.Build(new ControllerSettings
            {
                GcsBucket = sandbox.Bucket,
                GcsEndpoint = sandbox.Gcs.BaseAddress,
                Kubeconfig = sandbox.KubeconfigPath,
                Context = cluster,
                HealthBindAddress = "127.0.0.1:0",
                Identity = $"controller-{cluster}",
                LeaderElect = true,
                ConfigureLogging = E2ELogging.Configure,
            });
            await controller.StartAsync();
            _cleanup.Add(async () =>
            {
                await controller.StopAsync();
                await controller.DisposeAsync();
            });

            var client = new k8s.Kubernetes(KubernetesConnection.Load(new KubernetesConnectionOptions { KubeconfigPath = sandbox.KubeconfigPath, Context = cluster, UserAgent = $"multiclusterlease-e2e ({cluster})", RequestTimeout = TimeSpan.FromSeconds(5) }));
            _cleanup.Add(() =>
            {
                client.Dispose();
                return ValueTask.CompletedTask;
            });
            _sites.Add(new Site(cluster, cluster, ns, client));
        }

        Locks = LockReader(sandbox.Bucket, "", sandbox.Gcs.BaseAddress, null);
    }

    private ILockBackend LockReader(string bucket, string prefix, Uri? endpoint, string? credentialsFile)
    {
        var services = new ServiceCollection()
            .AddLogging(E2ELogging.Configure)
            .AddGcsLockBackend(o =>
            {
                o.Bucket = bucket;
                o.Prefix = prefix;
                o.Endpoint = endpoint;
                o.CredentialsFile = credentialsFile;
                o.UserAgent = "multiclusterlease-e2e";
            })
            .BuildServiceProvider();
        _cleanup.Add(() => services.DisposeAsync());
        return services.GetRequiredService<ILockBackend>();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class E2ECollection : ICollectionFixture<E2EEnvironment>
{
    public const string Name = "e2e";
}
