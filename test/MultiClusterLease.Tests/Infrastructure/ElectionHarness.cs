using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.LeaderElection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Testing;

namespace MultiClusterLease.Tests.Infrastructure;

/// <summary>
/// A sandbox of clusters and a bucket with an in-process election controller per cluster, talking to the fake servers
/// over real HTTP, plus helpers to start candidates and to record every leadership interval on one reference clock.
/// </summary>
internal sealed class ElectionHarness : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string LeaseName = "election";

    private readonly Dictionary<string, ServiceProvider> _controllers = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly Stopwatch _reference = Stopwatch.StartNew();

    private ElectionHarness(SandboxEnvironment sandbox)
    {
        Sandbox = sandbox;
    }

    public SandboxEnvironment Sandbox { get; }

    public LeadershipLog Log { get; } = new();

    public TimeSpan Now => _reference.Elapsed;

    /// <summary>Short timings that keep tests quick and satisfy leaseDuration &gt; renewDeadline + 2 × retryPeriod (8 &gt; 3 + 2 × 2).</summary>
    public static MultiClusterLeaseCandidateOptions Options(string cluster, string identity, int lease = 8, int renew = 3, int retry = 2) => new()
    {
        Namespace = Namespace,
        Name = LeaseName,
        Identity = identity,
        LockName = "tests/election",
        LeaseDuration = TimeSpan.FromSeconds(lease),
        RenewDeadline = TimeSpan.FromSeconds(renew),
        RetryPeriod = TimeSpan.FromSeconds(retry),
    };

    public static async Task<ElectionHarness> StartAsync(int clusters, bool startControllers = true, MultiClusterLease.Sandbox.Gcs.GcsGenerationMode generations = MultiClusterLease.Sandbox.Gcs.GcsGenerationMode.Increasing)
    {
        var names = Enumerable.Range(0, clusters).Select(i => $"cluster-{(char)('a' + i)}").ToArray();
        var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Clusters = names, GenerationMode = generations, BookmarkInterval = TimeSpan.FromSeconds(1) });
        var harness = new ElectionHarness(sandbox);
        if (startControllers)
        {
            foreach (var name in names)
            {
                await harness.StartControllerAsync(name);
            }
        }

        return harness;
    }

    public async Task StartControllerAsync(string cluster, TimeProvider? timeProvider = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(TestLogging.Configure);
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddKubernetesClient(o =>
        {
            o.KubeconfigPath = Sandbox.KubeconfigPath;
            o.Context = cluster;
            o.UserAgent = $"controller ({cluster})";
            o.RequestTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddGcsLockBackend(o =>
        {
            o.Bucket = Sandbox.Bucket;
            o.Endpoint = Sandbox.Gcs.BaseAddress;
            o.UserAgent = $"controller ({cluster})";
        });
        services.AddElectionController(o =>
        {
            o.Namespace = Namespace;
            o.ControllerIdentity = $"controller-{cluster}";
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ElectionController>().StartAsync(CancellationToken.None);
        _controllers[cluster] = provider;
    }

    /// <summary>Stops a controller without any release, as a crash would.</summary>
    public async Task StopControllerAsync(string cluster)
    {
        var provider = _controllers[cluster];
        _controllers.Remove(cluster);
        await provider.GetRequiredService<ElectionController>().StopAsync(CancellationToken.None);
        await provider.DisposeAsync();
    }

    /// <summary>An official client of one sandbox cluster, with User-Agent <c>candidate (CALLER)</c>; disposed with the harness.</summary>
    public IKubernetes Api(string cluster, string caller)
    {
        var client = new k8s.Kubernetes(KubernetesConnection.Load(new KubernetesConnectionOptions
        {
            KubeconfigPath = Sandbox.KubeconfigPath,
            Context = cluster,
            UserAgent = $"candidate ({caller})",
            RequestTimeout = TimeSpan.FromSeconds(5),
        }));
        _disposables.Add(new AsyncDisposableAction(() =>
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }));
        return client;
    }

    /// <summary>Starts a candidate on our own elector; cancel the returned source to stop it (with release), or call Crash.</summary>
    public RunningElector StartElector(string cluster, string identity, Func<string, string, MultiClusterLeaseCandidateOptions>? options = null, TimeProvider? timeProvider = null)
    {
        var candidate = new MultiClusterLeaseCandidate(Api(cluster, identity), (options ?? ((c, i) => Options(c, i)))(cluster, identity), timeProvider, TestLogging.Factory.CreateLogger<MultiClusterLeaseCandidate>());
        var elector = new MultiClusterLeaderElector(candidate, timeProvider, TestLogging.Factory.CreateLogger<MultiClusterLeaderElector>());
        elector.StartedLeading += (_, e) => Log.Started(identity, e.FencingToken, Now);
        elector.StoppedLeading += (_, _) => Log.Stopped(identity, Now);
        var running = new RunningElector(cluster, candidate, elector);
        _disposables.Add(running);
        running.Start();
        return running;
    }

    /// <summary>
    /// The opening of the two-cluster scenarios: candidate "a" in cluster-a is elected, then candidate "b" starts in
    /// cluster-b and follows for 2 s (it has signalled once and been refused).
    /// </summary>
    public async Task<(RunningElector A, RunningElector B)> ElectAThenStartBAsync()
    {
        var a = StartElector("cluster-a", "a");
        Assert.True(await EventuallyAsync(() => Log.CurrentLeader == "a", TimeSpan.FromSeconds(15)), "a was not elected");
        var b = StartElector("cluster-b", "b");
        await Task.Delay(TimeSpan.FromSeconds(2));
        return (a, b);
    }

    /// <summary>
    /// Starts a candidate driven by the official client's real <see cref="LeaderElector"/> over
    /// <see cref="MultiClusterLeaseLock"/>. The time provider reaches the lock only: the official elector uses the system clock.
    /// </summary>
    public RunningOfficialCandidate StartOfficial(string cluster, string identity, MultiClusterLeaseCandidateOptions? candidateOptions = null, TimeProvider? timeProvider = null)
    {
        var options = candidateOptions ?? Options(cluster, identity);
        var @lock = new MultiClusterLeaseLock(Api(cluster, identity), options, timeProvider, TestLogging.Factory);
        var elector = new LeaderElector(new LeaderElectionConfig(@lock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        elector.OnStartedLeading += () => Log.Started(identity, @lock.FencingToken, Now);
        elector.OnStoppedLeading += () => Log.Stopped(identity, Now);
        var running = new RunningOfficialCandidate(identity, @lock, elector);
        _disposables.Add(running);
        return running;
    }

    /// <summary>
    /// Starts recording the (holder, epoch) of every committed write of the lock object, in commit order, consecutive
    /// repeats (renewals) merged: e.g. [("a", 1), ("", 1), ("b", 2)] is a release by a, then a takeover by b.
    /// </summary>
    public Func<IReadOnlyList<(string Holder, long Epoch)>> RecordLockHistory(string lockName = "tests/election")
    {
        var holders = new List<(string Holder, long Epoch)>();
        Sandbox.Gcs.ObjectWritten += write =>
        {
            if (write.Name != $"leases/{lockName}")
            {
                return;
            }

            var record = JsonNode.Parse(write.Body)!;
            var entry = (record["holderIdentity"]!.GetValue<string>(), record["epoch"]!.GetValue<long>());
            lock (holders)
            {
                if (holders.Count == 0 || holders[^1] != entry)
                {
                    holders.Add(entry);
                }
            }
        };
        return () =>
        {
            lock (holders)
            {
                return [.. holders];
            }
        };
    }

    /// <summary>Deletes the lease's CR in a cluster through the official client; false when it was already gone.</summary>
    public async Task<bool> DeleteLeaseAsync(string cluster)
    {
        try
        {
            await Api(cluster, "admin").CustomObjects.DeleteNamespacedCustomObjectAsync(
                MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, Namespace, MultiClusterLeaseApi.Plural, LeaseName);
            return true;
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return false;
        }
    }

    public JsonObject? Lease(string cluster)
        => Sandbox.Cluster(cluster).GetObject("multicluster.core.cnrm.cloud.google.com", "v1alpha1", "multiclusterleases", Namespace, LeaseName);

    public (string Holder, long Token, long ObservedGeneration) Status(string cluster)
    {
        var status = Lease(cluster)?["status"] as JsonObject;
        return (status?["globalHolderIdentity"]?.GetValue<string>() ?? "", status?["fencingToken"]?.GetValue<long>() ?? 0, status?["observedGeneration"]?.GetValue<long>() ?? 0);
    }

    public bool ControllerRunning(string cluster) => _controllers.ContainsKey(cluster);

    public JsonObject? LockObject(string lockName = "tests/election")
        => Sandbox.Gcs.TryGetObject(Sandbox.Bucket, $"leases/{lockName}", out var body, out _) ? JsonNode.Parse(body)!.AsObject() : null;

    /// <summary>Polls a condition until it holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        foreach (var cluster in _controllers.Keys.ToList())
        {
            await StopControllerAsync(cluster);
        }

        await Sandbox.DisposeAsync();
    }

    private sealed class AsyncDisposableAction(Func<ValueTask> action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => action();
    }
}

internal sealed class RunningOfficialCandidate : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public RunningOfficialCandidate(string identity, MultiClusterLeaseLock @lock, LeaderElector elector)
    {
        Identity = identity;
        Lock = @lock;
        Elector = elector;
        // As users run it (and as RunAndTryToHoldLeadershipForeverAsync does): contend again after losing.
        Run = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await elector.RunUntilLeadershipLostAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    public string Identity { get; }

    public MultiClusterLeaseLock Lock { get; }

    public LeaderElector Elector { get; }

    public Task Run { get; }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Elector.Dispose();
        await Lock.DisposeAsync();
    }
}
