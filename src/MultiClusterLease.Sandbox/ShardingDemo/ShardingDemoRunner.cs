using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Sandbox.Demo;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sandbox.Processes;

namespace MultiClusterLease.Sandbox.ShardingDemo;

/// <summary>
/// <c>make demo-sharding</c>: one sandbox cluster, six shards (namespaces labelled <c>shard=true</c>, two ConfigMaps
/// each, plus one unlabelled namespace nobody may touch) and three peer processes of the sharding sample. It prints
/// who owns what, stops a peer gracefully (its shards move at once, the others stay), starts it again (the first
/// assignment comes back: rendezvous hashing is deterministic), kills another (its shards move after the lease
/// expires), runs the seeds' kubectl workflows against the sandbox, and checks from the peers' logs and the ConfigMaps
/// that only owners reconciled. Exit code 0 when every check passed.
/// </summary>
internal sealed class ShardingDemoRunner
{
    private const string Cluster = "cluster-a";
    private const string FenceNamespace = "kube-system";
    private static readonly string[] Shards = [.. Enumerable.Range(1, 6).Select(i => $"team-{i}")];
    private static readonly string[] PeerIds = ["peer-0", "peer-1", "peer-2"];
    private readonly ShardingDemoOptions _options;
    private readonly DemoReport _report = new();
    private readonly OwnershipTimeline _timeline = new();
    private readonly Dictionary<string, ManagedProcess> _peers = new(StringComparer.Ordinal);
    private SandboxEnvironment _sandbox = null!;
    private string _logs = "";
    private TimeSpan _settledAt;

    public ShardingDemoRunner(ShardingDemoOptions options) => _options = options;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_options.SampleDll))
        {
            await Console.Error.WriteLineAsync($"error: {_options.SampleDll} not found; build first (make build)");
            return 2;
        }

        _logs = Path.Combine(_options.Directory, "logs");
        System.IO.Directory.CreateDirectory(_logs);
        await using var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Directory = _options.Directory, Clusters = [Cluster] }, cancellationToken);
        _sandbox = sandbox;
        _report.Say($"sandbox: cluster {Cluster} at {sandbox.Cluster(Cluster).BaseAddress}; kubeconfig {sandbox.KubeconfigPath}");
        _report.Say($"timings: lease {_options.LeaseDurationSeconds} s, renew every {_options.RenewIntervalSeconds} s, renew deadline {_options.RenewDeadlineSeconds} s, probe every {_options.ProbeIntervalSeconds} s; peer logs in {_logs}");
        try
        {
            await CreateShardsAsync(cancellationToken);
            _report.Say($"created {Shards.Length} shards (namespaces labelled shard=true, 2 ConfigMaps each) and namespace 'unsharded' (no label)");
            foreach (var peer in PeerIds)
            {
                StartPeer(peer);
            }

            _report.Say($"started {PeerIds.Length} peers ({string.Join(", ", PeerIds)}), each a separate process of the sharding sample");

            // 1. Everyone owned once.
            var first = await WaitSettledAsync(h => true, TimeSpan.FromSeconds(60), cancellationToken);
            if (first is null)
            {
                return _report.Fail("the shards were not all owned within 60 s");
            }

            ShowOwners(first);
            await KubectlAsync($"-n {FenceNamespace} get lease | grep '^mcr-shard-'", cancellationToken);
            await KubectlAsync($"-n {FenceNamespace} get lease -o custom-columns=NAME:.metadata.name,HOLDER:.spec.holderIdentity,RENEW:.spec.renewTime,TRANSITIONS:.spec.leaseTransitions", cancellationToken);

            // 2. Graceful stop: only the stopped peer's shards move, and fast (released fences, deleted peer Lease).
            var stopped = Busiest(first, exclude: null);
            var stoppedAt = _report.Elapsed;
            _report.Say($"== stopping {stopped} gracefully (SIGTERM): it stops its work, releases its fences and its peer Lease");
            _peers[stopped].Terminate();
            var afterStop = await WaitSettledAsync(h => !h.ContainsValue(stopped), TimeSpan.FromSeconds(30), cancellationToken);
            if (afterStop is null)
            {
                return _report.Fail($"the shards of {stopped} did not move within 30 s");
            }

            var handoff = _settledAt - stoppedAt;
            var handoffBound = TimeSpan.FromSeconds((2 * _options.ProbeIntervalSeconds) + 2);
            _report.Check(handoff <= handoffBound, $"graceful handoff: every shard held again {DemoReport.Seconds(handoff)} after SIGTERM (bound: 2 probe intervals + 2 s = {DemoReport.Seconds(handoffBound)}; no expiry waited for)");
            _report.Check(OnlyMoved(first, afterStop, stopped), $"only the shards of {stopped} moved; the others kept their owner");
            ShowOwners(afterStop);

            // 3. Start it again: rendezvous hashing gives it back exactly its shards.
            _report.Say($"== starting {stopped} again");
            await _peers[stopped].DisposeAsync();
            StartPeer(stopped);
            var itsShard = first.First(kv => kv.Value == stopped).Key;
            _report.Say($"  waiting with kubectl for {stopped} to hold lease/mcr-shard-{itsShard}:");
            await KubectlAsync($"-n {FenceNamespace} wait --for=jsonpath='{{.spec.holderIdentity}}'={stopped} lease/mcr-shard-{itsShard} --timeout=60s", cancellationToken);
            var rebalanced = await WaitSettledAsync(h => Same(h, first), TimeSpan.FromSeconds(60), cancellationToken);
            _report.Check(rebalanced is not null, $"after the restart the first assignment is back (rebalance)");
            if (rebalanced is not null)
            {
                ShowOwners(rebalanced);
            }

            // 4. Crash: kill another peer; its fences must expire first.
            var killed = Busiest(first, exclude: stopped);
            var killedAt = _report.Elapsed;
            _report.Say($"== killing {killed} (SIGKILL): no release; its peer Lease and fences must expire ({_options.LeaseDurationSeconds} s)");
            _peers[killed].Kill();
            _timeline.Killed(killed);
            var afterKill = await WaitSettledAsync(h => !h.ContainsValue(killed), TimeSpan.FromSeconds(60), cancellationToken);
            if (afterKill is null)
            {
                return _report.Fail($"the shards of {killed} did not move within 60 s");
            }

            var failover = _settledAt - killedAt;
            var failoverBound = TimeSpan.FromSeconds(_options.LeaseDurationSeconds + _options.RenewIntervalSeconds + 3);
            _report.Check(failover >= TimeSpan.FromSeconds(_options.LeaseDurationSeconds - _options.RenewIntervalSeconds),
                $"nobody took a shard of {killed} before its fence could have expired ({DemoReport.Seconds(failover)})");
            _report.Check(failover <= failoverBound, $"failover: every shard held again {DemoReport.Seconds(failover)} after SIGKILL (bound: lease + renew interval + 3 s = {DemoReport.Seconds(failoverBound)})");
            _report.Check(OnlyMoved(first, afterKill, killed), $"only the shards of {killed} moved");
            ShowOwners(afterKill);
            await KubectlAsync($"-n {FenceNamespace} get lease -o custom-columns=HOLDER:.spec.holderIdentity,RENEW:.spec.renewTime", cancellationToken);

            // 5. Only owners reconciled.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var violations = _timeline.Violations;
            _report.Check(violations.Count == 0, $"every one of {_timeline.Reconciles} reconciles was by the shard's owner, and no shard had two owners{(violations.Count == 0 ? "" : ": " + string.Join("; ", violations))}");
            CheckConfigMaps(afterKill);
            foreach (var process in _peers.Values)
            {
                await process.DisposeAsync();
            }

            _peers.Clear();

            // Part 2: two clusters, global fences.
            if (!_options.SkipGlobal)
            {
                await new GlobalFencesDemo(_options, _options.ControllerDll, _report.Say, _report.Check).RunAsync(cancellationToken);
            }

            return await _report.FinishAsync(_options.KeepRunning, cancellationToken);
        }
        finally
        {
            foreach (var process in _peers.Values)
            {
                await process.DisposeAsync();
            }
        }
    }

    private async Task CreateShardsAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = _sandbox.Cluster(Cluster).BaseAddress };
        async Task PostAsync(string path, JsonObject body)
        {
            using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        foreach (var ns in Shards.Append("unsharded"))
        {
            var metadata = new JsonObject { ["name"] = ns };
            if (ns != "unsharded")
            {
                metadata["labels"] = new JsonObject { ["shard"] = "true" };
            }

            await PostAsync("api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata });
            foreach (var name in new[] { "settings", "flags" })
            {
                await PostAsync($"api/v1/namespaces/{ns}/configmaps", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "ConfigMap",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                    ["data"] = new JsonObject { ["owner-team"] = ns },
                });
            }
        }
    }

    private void StartPeer(string peer)
    {
        string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
        _peers[peer] = ManagedProcess.Start(peer, _options.SampleDll,
        [
            "--kubeconfig", _sandbox.KubeconfigPath, "--context", Cluster, "--peer-id", peer, "--selector", "shard=true",
            "--lease-duration", Int(_options.LeaseDurationSeconds), "--renew-interval", Int(_options.RenewIntervalSeconds),
            "--renew-deadline", Int(_options.RenewDeadlineSeconds), "--probe-interval", Int(_options.ProbeIntervalSeconds),
        ], Path.Combine(_logs, $"{peer}.log"), OnPeerLine);
    }

    private void OnPeerLine(string peer, string line)
    {
        if (_timeline.OnLine(peer, line) is { } change)
        {
            _report.Say($"  {change}");
        }
    }

    /// <summary>Gets every shard's fence holder (absent or released = no entry).</summary>
    private Dictionary<string, string> Holders()
    {
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shard in Shards)
        {
            var lease = _sandbox.Cluster(Cluster).GetObject("coordination.k8s.io", "v1", "leases", FenceNamespace, $"mcr-shard-{shard}");
            if ((string?)lease?["spec"]?["holderIdentity"] is { Length: > 0 } holder)
            {
                holders[shard] = holder;
            }
        }

        return holders;
    }

    /// <summary>Waits until every shard's fence is held, the condition holds, and the holders stay put for 2 probe intervals.</summary>
    /// <returns>The holders, or <see langword="null"/> on timeout; <see cref="_settledAt"/> = when they were first seen.</returns>
    private async Task<Dictionary<string, string>?> WaitSettledAsync(Func<Dictionary<string, string>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _report.Elapsed + timeout;
        Dictionary<string, string>? candidate = null;
        var since = TimeSpan.Zero;
        while (_report.Elapsed < deadline)
        {
            var holders = Holders();
            if (holders.Count == Shards.Length && condition(holders))
            {
                if (candidate is null || !Same(candidate, holders))
                {
                    (candidate, since) = (holders, _report.Elapsed);
                }
                else if (_report.Elapsed - since >= TimeSpan.FromSeconds(2 * _options.ProbeIntervalSeconds))
                {
                    _settledAt = since;
                    return candidate;
                }
            }
            else
            {
                candidate = null;
            }

            await Task.Delay(100, cancellationToken);
        }

        return null;
    }

    private void CheckConfigMaps(Dictionary<string, string> holders)
    {
        var wrong = new List<string>();
        foreach (var ns in Shards)
        {
            foreach (var map in _sandbox.Cluster(Cluster).ListObjects("", "v1", "configmaps", ns))
            {
                var by = (string?)map["metadata"]?["annotations"]?["sharding-sample.multiclusterlease.io/reconciled-by"];
                if (by != holders[ns])
                {
                    wrong.Add($"{ns}/{map["metadata"]?["name"]} by {by ?? "nobody"}");
                }
            }
        }

        var untouched = _sandbox.Cluster(Cluster).ListObjects("", "v1", "configmaps", "unsharded").All(m => m["metadata"]?["annotations"] is null);
        _report.Check(wrong.Count == 0, $"every ConfigMap is stamped by its namespace's current owner{(wrong.Count == 0 ? "" : ": " + string.Join(", ", wrong))}");
        _report.Check(untouched, "nobody touched the unlabelled namespace 'unsharded'");
    }

    private async Task KubectlAsync(string arguments, CancellationToken cancellationToken)
    {
        var command = $"kubectl --context {Cluster} {arguments}";
        _report.Say($"$ KUBECONFIG={_sandbox.KubeconfigPath} {command}");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment["KUBECONFIG"] = _sandbox.KubeconfigPath;
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        foreach (var line in (output + error).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            _report.Say($"    {line}");
        }

        _report.Check(process.ExitCode == 0, $"kubectl {arguments.Split(' ').FirstOrDefault(a => !a.StartsWith('-') && a != FenceNamespace)} worked against the sandbox");
    }

    private static string Busiest(Dictionary<string, string> holders, string? exclude) =>
        holders.Values.Where(p => p != exclude).GroupBy(p => p).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;

    private static bool OnlyMoved(Dictionary<string, string> before, Dictionary<string, string> after, string peer) =>
        before.All(kv => kv.Value == peer || after[kv.Key] == kv.Value);

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private void ShowOwners(Dictionary<string, string> holders)
    {
        foreach (var peer in PeerIds)
        {
            var owned = holders.Where(kv => kv.Value == peer).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            _report.Say($"  {peer}: {(owned.Count == 0 ? "-" : string.Join(", ", owned))}");
        }
    }
}
