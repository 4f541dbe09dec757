using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Testing;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>
/// The sandbox of one scenario: fake clusters and a fake GCS bucket with the configured latency on every request
/// (watch streams excepted), in-process election controllers, and candidates on the real client library — all over
/// real HTTP on 127.0.0.1. Every caller names itself in its User-Agent, so the servers' counters tell requests apart.
/// </summary>
internal sealed class BenchSandbox : IAsyncDisposable
{
    public const string Namespace = "default";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Dictionary<RunningElector, RenewalCounter> _renewals = [];
    private readonly BenchSettings _settings;

    private BenchSandbox(SandboxEnvironment sandbox, BenchSettings settings)
    {
        Sandbox = sandbox;
        _settings = settings;
        Logs = BenchLogging.Create(settings.Verbose);
    }

    public SandboxEnvironment Sandbox { get; }

    public ILoggerFactory Logs { get; }

    public static async Task<BenchSandbox> StartAsync(BenchSettings settings, IReadOnlyList<string> clusters, string name)
    {
        var directory = Path.Combine(settings.RepoRoot, "bench", "out", "sandbox-" + name);
        var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions
        {
            Clusters = clusters,
            Seed = settings.Seed,
            Directory = directory,
            Bucket = "mcl-bench",
        });
        if (settings.GcsLatencyMs > 0)
        {
            sandbox.Gcs.Faults.Add(new FaultRule { Action = FaultAction.Delay, Latency = TimeSpan.FromMilliseconds(settings.GcsLatencyMs) });
        }

        foreach (var cluster in clusters)
        {
            var faults = sandbox.Cluster(cluster).Faults;
            faults.Classify = ClassifyKubernetesRequest;
            if (settings.KubernetesLatencyMs > 0)
            {
                faults.Add(new FaultRule { Action = FaultAction.Delay, Latency = TimeSpan.FromMilliseconds(settings.KubernetesLatencyMs), ExcludeWatches = true });
            }
        }

        return new BenchSandbox(sandbox, settings);
    }

    public static string ControllerAgent(string cluster) => $"bench-controller ({cluster})";

    public static string CandidateAgent(string identity) => $"bench-candidate ({identity})";

    /// <summary>Names a Kubernetes request for the counters: <c>VERB resource[/subresource]</c>, VERB one of GET LIST WATCH POST PATCH PUT DELETE.</summary>
    public static string ClassifyKubernetesRequest(HttpRequest request)
    {
        var watch = request.Query["watch"].ToString() is "true" or "1";
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = segments.Length > 0 && segments[0] == "api" ? 2 : segments.Length > 0 && segments[0] == "apis" ? 3 : -1;
        if (i < 0 || i >= segments.Length)
        {
            return $"{request.Method} discovery";
        }

        if (segments[i] == "namespaces" && segments.Length > i + 2)
        {
            i += 2;
        }

        var plural = segments[i];
        var name = segments.Length > i + 1 ? segments[i + 1] : null;
        var subresource = segments.Length > i + 2 ? "/" + segments[i + 2] : "";
        var verb = watch ? "WATCH" : request.Method == "GET" && name is null ? "LIST" : request.Method;
        return $"{verb} {plural}{subresource}";
    }

    /// <summary>Sums a server's counters for the User-Agents <paramref name="caller"/> accepts, over the request kinds <paramref name="filter"/> accepts.</summary>
    public static long Count(IReadOnlyDictionary<string, long> counts, Func<string, bool> caller, Func<string, bool>? filter = null)
    {
        long total = 0;
        foreach (var (key, count) in counts)
        {
            if (!key.StartsWith("caller:", StringComparison.Ordinal))
            {
                continue;
            }

            var bar = key.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0 || !caller(key[7..bar]))
            {
                continue;
            }

            if (filter is null || filter(key[(bar + 1)..]))
            {
                total += count;
            }
        }

        return total;
    }

    /// <summary>
    /// Whether a request's User-Agent is <paramref name="agent"/>'s: the same, or followed by a client library's own
    /// product token (Google's clients send "APPLICATION-NAME google-api-dotnet-client/1.x (gzip)").
    /// </summary>
    public static bool IsAgent(string userAgent, string agent)
        => userAgent == agent || userAgent.StartsWith(agent + " ", StringComparison.Ordinal);

    /// <summary>Counts per request kind for one caller.</summary>
    public static Dictionary<string, long> Breakdown(IReadOnlyDictionary<string, long> counts, string userAgent)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in counts)
        {
            var bar = key.IndexOf('|', StringComparison.Ordinal);
            if (key.StartsWith("caller:", StringComparison.Ordinal) && bar > 0 && IsAgent(key[7..bar], userAgent))
            {
                var kind = key[(bar + 1)..];
                var space = kind.IndexOf(' ', StringComparison.Ordinal);

                // GCS keys name the object ("write bucket/leases/x"): keep the operation only.
                kind = kind.StartsWith("read ", StringComparison.Ordinal) || kind.StartsWith("write ", StringComparison.Ordinal) || kind.StartsWith("upload ", StringComparison.Ordinal) || kind.StartsWith("delete ", StringComparison.Ordinal) || kind.StartsWith("list ", StringComparison.Ordinal)
                    ? kind[..space]
                    : kind;
                result[kind] = result.GetValueOrDefault(kind) + count;
            }
        }

        return result;
    }

    public IReadOnlyDictionary<string, long> GcsCounts() => Sandbox.Gcs.Faults.Counts();

    public IReadOnlyDictionary<string, long> KubernetesCounts(string cluster) => Sandbox.Cluster(cluster).Faults.Counts();

    public void ResetCounts()
    {
        Sandbox.Gcs.Faults.ResetCounts();
        foreach (var cluster in Sandbox.ClusterNames)
        {
            Sandbox.Cluster(cluster).Faults.ResetCounts();
        }
    }

    public async Task<InProcessController> StartControllerAsync(string cluster)
    {
        var agent = ControllerAgent(cluster);
        var services = new ServiceCollection();
        services.AddLogging(builder => BenchLogging.Configure(builder, _settings.Verbose));
        services.AddKubernetesClient(o =>
        {
            o.KubeconfigPath = Sandbox.KubeconfigPath;
            o.Context = cluster;
            o.UserAgent = agent;
            o.RequestTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddGcsLockBackend(o =>
        {
            o.Bucket = Sandbox.Bucket;
            o.Endpoint = Sandbox.Gcs.BaseAddress;
            o.UserAgent = agent;
        });

        // The last registration wins: the controller talks to GCS through a counting wrapper.
        services.AddSingleton(sp => new CountingLockBackend(sp.GetRequiredService<GcsLockBackend>()));
        services.AddSingleton<ILockBackend>(sp => sp.GetRequiredService<CountingLockBackend>());
        services.AddElectionController(o =>
        {
            o.Namespace = Namespace;
            o.ControllerIdentity = $"bench-{cluster}";
        });
        var provider = services.BuildServiceProvider();
        var controller = provider.GetRequiredService<ElectionController>();
        await controller.StartAsync(CancellationToken.None);
        var running = new InProcessController(cluster, agent, provider, controller, provider.GetRequiredService<CountingLockBackend>());
        _owned.Add(running);
        return running;
    }

    public k8s.Kubernetes Api(string cluster, string userAgent)
    {
        var client = new k8s.Kubernetes(KubernetesConnection.Load(new KubernetesConnectionOptions
        {
            KubeconfigPath = Sandbox.KubeconfigPath,
            Context = cluster,
            UserAgent = userAgent,
            RequestTimeout = TimeSpan.FromSeconds(10),
        }));
        _owned.Add(new Disposer(() => client.Dispose()));
        return client;
    }

    /// <summary>Creates (does not start) a candidate on the real client library: <see cref="MultiClusterLeaseCandidate"/> + <see cref="MultiClusterLeaderElector"/>.</summary>
    public RunningElector CreateCandidate(string cluster, string identity, string lease, LeaseTimings timings, string? lockName = null)
    {
        var api = Api(cluster, CandidateAgent(identity));
        var options = new MultiClusterLeaseCandidateOptions
        {
            Namespace = Namespace,
            Name = lease,
            Identity = identity,
            LockName = lockName ?? LockNameOf(lease),
            LeaseDuration = timings.Lease,
            RenewDeadline = timings.Renew,
            RetryPeriod = timings.Retry,
        };
        var counter = new RenewalCounter(Logs.CreateLogger<MultiClusterLeaseCandidate>());
        var candidate = new MultiClusterLeaseCandidate(api, options, null, counter);
        var elector = new MultiClusterLeaderElector(candidate, null, Logs.CreateLogger<MultiClusterLeaderElector>());
        var running = new RunningElector(cluster, candidate, elector);
        _owned.Add(running);
        lock (_renewals)
        {
            _renewals[running] = counter;
        }

        return running;
    }

    /// <summary>Gets the renewals counted for a candidate made by <see cref="CreateCandidate"/>.</summary>
    public RenewalCounter Renewals(RunningElector candidate)
    {
        lock (_renewals)
        {
            return _renewals[candidate];
        }
    }

    public static string LockNameOf(string lease) => $"bench/{lease}";

    /// <summary>The lock object as stored in the fake bucket (read in-process, not counted).</summary>
    public LockState Lock(string lockName)
    {
        if (!Sandbox.Gcs.TryGetObject(Sandbox.Bucket, $"leases/{lockName}", out var body, out var generation))
        {
            return LockState.Absent;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var holder = document.RootElement.TryGetProperty("holderIdentity", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString()! : "";
            var epoch = document.RootElement.TryGetProperty("epoch", out var e) && e.TryGetInt64(out var value) ? value : 0;
            return new LockState(true, holder, generation, epoch);
        }
        catch (JsonException)
        {
            return new LockState(true, "?", generation, 0);
        }
    }

    /// <summary>The CR as stored by the fake API server (read in-process, not counted).</summary>
    public JsonObject? Lease(string cluster, string name)
        => Sandbox.Cluster(cluster).GetObject(MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, Namespace, name);

    public string? ReportedHolder(string cluster, string name)
        => (Lease(cluster, name)?["status"] as JsonObject)?["globalHolderIdentity"]?.GetValue<string>();

    /// <summary>Polls until <paramref name="condition"/> holds; returns the Stopwatch timestamp at which it was seen, or null on timeout.</summary>
    public static async Task<long?> WhenAsync(Func<bool> condition, TimeSpan timeout, int pollMilliseconds = 5, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (condition())
            {
                return Stopwatch.GetTimestamp();
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                return null;
            }

            await Task.Delay(pollMilliseconds, cancellationToken);
        }
    }

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            try
            {
                await owned.DisposeAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        await Sandbox.DisposeAsync();
        Logs.Dispose();
    }

    private sealed class Disposer(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}

internal readonly record struct LockState(bool Exists, string Holder, long Generation, long Epoch)
{
    public static LockState Absent { get; } = new(false, "", 0, 0);
}

/// <summary>An election controller running in this process, as the tests run it.</summary>
internal sealed class InProcessController(string cluster, string userAgent, ServiceProvider provider, ElectionController controller, CountingLockBackend backend) : IAsyncDisposable
{
    public string Cluster { get; } = cluster;

    public string UserAgent { get; } = userAgent;

    public ElectionController Controller { get; } = controller;

    public CountingLockBackend Backend { get; } = backend;

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Controller.StopAsync(timeout.Token);
        await provider.DisposeAsync();
    }
}
