using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sandbox.Processes;

namespace MultiClusterLease.Sandbox.ShardingDemo;

/// <summary>
/// Part 2 of <c>make demo-sharding</c>: global fences. Two sandbox clusters and a bucket, an election controller process
/// per cluster, and a sample peer per cluster with <c>--fence MultiClusterLease</c>: each shard's fence is a
/// MultiClusterLease <c>mcr-shard-&lt;shard&gt;</c> in the peer's own cluster, settled across clusters by the
/// controllers; both peers keep their peer Leases in cluster-a (<c>--coordination-context</c>), so they see each other and
/// split the shards. Checks: both clusters agree on every shard's holder and fencing token (the global epoch); both
/// peers own shards; no shard had two owners and only owners reconciled; after the busier peer is killed, the other
/// cluster's peer takes its shards once the lock expires, with a larger epoch.
/// </summary>
internal sealed class GlobalFencesDemo(ShardingDemoOptions options, string controllerDll, Action<string> say, Action<bool, string> check)
{
    private const string FenceNamespace = "default";
    private static readonly string[] Clusters = ["cluster-a", "cluster-b"];
    private static readonly string[] Shards = [.. Enumerable.Range(1, 6).Select(i => $"team-{i}")];
    private readonly OwnershipTimeline _timeline = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private SandboxEnvironment _sandbox = null!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(controllerDll))
        {
            check(false, $"global fences: {controllerDll} not found; build first (make build)");
            return;
        }

        var directory = Path.Combine(options.Directory, "global");
        var logs = Path.Combine(directory, "logs");
        System.IO.Directory.CreateDirectory(logs);
        await using var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Directory = directory, Clusters = Clusters }, cancellationToken);
        _sandbox = sandbox;
        say($"== part 2, global fences: clusters {string.Join(", ", Clusters)}, bucket gs://{sandbox.Bucket}; kubeconfig {sandbox.KubeconfigPath}");
        var processes = new Dictionary<string, ManagedProcess>(StringComparer.Ordinal);
        try
        {
            foreach (var cluster in Clusters)
            {
                await CreateShardsAsync(cluster, cancellationToken);
                var suffix = cluster.Replace("cluster-", "", StringComparison.Ordinal);
                processes[$"controller-{suffix}"] = ManagedProcess.Start($"controller-{suffix}", controllerDll,
                [
                    "--gcs-bucket", sandbox.Bucket, "--gcs-endpoint", sandbox.Gcs.BaseAddress.ToString(),
                    "--kubeconfig", sandbox.KubeconfigPath, "--context", cluster, "--namespace", FenceNamespace,
                    "--health-probe-bind-address", "127.0.0.1:0", "--identity", $"controller-{suffix}",
                ], Path.Combine(logs, $"controller-{suffix}.log"));
                var peer = $"peer-{suffix}";
                processes[peer] = ManagedProcess.Start(peer, options.SampleDll,
                [
                    "--kubeconfig", sandbox.KubeconfigPath, "--context", cluster, "--peer-id", peer, "--selector", "shard=true",
                    "--fence", "MultiClusterLease", "--namespace", FenceNamespace, "--coordination-context", Clusters[0],
                    "--lease-duration", "12", "--renew-interval", "3", "--renew-deadline", "6", "--probe-interval", "1",
                ], Path.Combine(logs, $"{peer}.log"), OnPeerLine);
            }

            say($"started an election controller and a peer (fence MultiClusterLease, lease 12 s / renew 3 s / deadline 6 s) per cluster; both peers' Leases in {Clusters[0]}, so they see each other");
            var first = await WaitAgreedAsync(_ => true, TimeSpan.FromSeconds(90), cancellationToken);
            check(first is not null, "the clusters agree on every shard's global holder and fencing token");
            if (first is null)
            {
                return;
            }

            Show(first);
            check(first.Values.Select(v => v.Holder).Distinct().Count() == Clusters.Length, "the peers in the two clusters split the shards (rendezvous hashing over both)");
            var victim = first.Values.GroupBy(v => v.Holder).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            var killedAt = _clock.Elapsed;
            say($"== killing {victim} (SIGKILL): its cluster's controller releases the locks once it goes stale; the other cluster's peer takes them");
            processes[victim].Kill();
            _timeline.Killed(victim);
            var after = await WaitAgreedAsync(h => h.Values.All(v => v.Holder != victim), TimeSpan.FromSeconds(90), cancellationToken);
            check(after is not null, $"the shards of {victim} moved to the other cluster ({(_clock.Elapsed - killedAt).TotalSeconds:F1} s; lease 12 s)");
            if (after is not null)
            {
                Show(after);
                check(first.All(kv => kv.Value.Holder != victim || after[kv.Key].Token > kv.Value.Token), "every moved shard's fencing token (global epoch) increased");
            }

            var violations = _timeline.Violations;
            check(violations.Count == 0, $"global fences: {_timeline.Reconciles} reconciles, all by owners; no shard had two owners{(violations.Count == 0 ? "" : ": " + string.Join("; ", violations))}");
        }
        finally
        {
            foreach (var process in processes.Values)
            {
                await process.DisposeAsync();
            }
        }
    }

    private void OnPeerLine(string peer, string line)
    {
        if (_timeline.OnLine(peer, line) is { } change)
        {
            say($"  {change}");
        }
    }

    private async Task CreateShardsAsync(string cluster, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = _sandbox.Cluster(cluster).BaseAddress };
        foreach (var ns in Shards)
        {
            var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["shard"] = "true" } } };
            using var response = await http.PostAsJsonAsync("api/v1/namespaces", body, cancellationToken);
            response.EnsureSuccessStatusCode();
            var map = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "settings", ["namespace"] = ns } };
            using var created = await http.PostAsJsonAsync($"api/v1/namespaces/{ns}/configmaps", map, cancellationToken);
            created.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Gets the shards on whose holder and token every cluster with a fence object for it agrees.</summary>
    private Dictionary<string, (string Holder, long Token)> Agreed()
    {
        var agreed = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        foreach (var shard in Shards)
        {
            // A cluster whose peer never wanted the shard has no fence object for it.
            var views = Clusters
                .Select(c => _sandbox.Cluster(c).GetObject("multicluster.core.cnrm.cloud.google.com", "v1alpha1", "multiclusterleases", FenceNamespace, $"mcr-shard-{shard}"))
                .OfType<JsonObject>()
                .Select(fence => fence["status"] as JsonObject)
                .Select(status => ((string?)status?["globalHolderIdentity"] ?? "", (long?)status?["fencingToken"] ?? 0))
                .Distinct()
                .ToList();
            if (views.Count == 1 && views[0].Item1.Length > 0)
            {
                agreed[shard] = views[0];
            }
        }

        return agreed;
    }

    private async Task<Dictionary<string, (string Holder, long Token)>?> WaitAgreedAsync(Func<Dictionary<string, (string Holder, long Token)>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _clock.Elapsed + timeout;
        while (_clock.Elapsed < deadline)
        {
            var agreed = Agreed();
            if (agreed.Count == Shards.Length && condition(agreed))
            {
                return agreed;
            }

            await Task.Delay(200, cancellationToken);
        }

        return null;
    }

    private void Show(Dictionary<string, (string Holder, long Token)> agreed)
    {
        foreach (var group in agreed.GroupBy(kv => kv.Value.Holder).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            say($"  {group.Key}: {string.Join(", ", group.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} (epoch {kv.Value.Token})")))}");
        }
    }
}
