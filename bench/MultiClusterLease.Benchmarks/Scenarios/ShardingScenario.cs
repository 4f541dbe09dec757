using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Kubernetes;
using MultiClusterLease.Sharding;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 7. Sharding: N in-process peers (the real <c>MultiClusterLease.Sharding</c> coordinator over the official client)
/// split S shards on one fake API server (+k8s latency per request), at the library's default timings (lease 20 s,
/// renew 10 s, renew deadline 15 s, probe 5 s). Measured, from the event to the moment every shard is owned by its
/// rendezvous owner among the remaining peers (owners as the workers report them, on this process's clock): after a
/// peer is cut off (crash: its requests hang), after a graceful stop, and after a peer joins; and the API requests per
/// second per peer in the settled state (counted at each peer's client).
/// </summary>
internal static class ShardingScenario
{
    private static readonly (int Peers, int Shards)[] Sizes = [(3, 100), (10, 1_000)];

    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        foreach (var (peerCount, shardCount) in settings.Quick ? Sizes[..1] : Sizes)
        {
            metrics.AddRange(await RunSizeAsync(settings, peerCount, shardCount, cancellationToken));
        }

        return metrics;
    }

    private static async Task<IReadOnlyList<Metric>> RunSizeAsync(BenchSettings settings, int peerCount, int shardCount, CancellationToken cancellationToken)
    {
        var options = new ShardedOwnershipOptions();
        Say.Heading($"sharding: {peerCount} peers x {shardCount} shards, lease {options.LeaseDuration.TotalSeconds} s / renew {options.RenewInterval.TotalSeconds} s / deadline {options.RenewDeadline.TotalSeconds} s / probe {options.ProbeInterval.TotalSeconds} s");
        await using var server = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions { ClusterName = "sharding" }, cancellationToken);
        // The latency is added at each peer's client, so that the server's fault rules stay free for the crash.
        var latency = TimeSpan.FromMilliseconds(settings.KubernetesLatencyMs);

        var shards = Enumerable.Range(0, shardCount).Select(i => $"tenant-{i}").ToArray();
        var owners = new Owners();
        var peers = new Dictionary<string, BenchPeer>(StringComparer.Ordinal);
        var common = new Dictionary<string, object?>(StringComparer.Ordinal) { ["peers"] = peerCount, ["shards"] = shardCount, ["k8sLatencyMs"] = settings.KubernetesLatencyMs };
        var timeout = TimeSpan.FromSeconds(180);
        try
        {
            foreach (var id in Enumerable.Range(0, peerCount).Select(i => $"peer-{i}"))
            {
                peers[id] = BenchPeer.Start(server, owners, id, shards, latency);
            }

            var initial = await owners.SettleAsync(shards, peers.Keys, timeout, cancellationToken);
            Say.Line($"  all {shardCount} shards owned {initial.TotalSeconds:F1} s after the peers started");

            // Cost in the settled state.
            foreach (var peer in peers.Values)
            {
                peer.Requests.Reset();
            }

            var window = TimeSpan.FromSeconds(settings.Quick ? 12 : 30);
            await Task.Delay(window, cancellationToken);
            var perPeer = peers.Values.Select(p => p.Requests.Value / window.TotalSeconds).ToList();
            Say.Line($"  settled: {perPeer.Average():F2} API requests/s per peer (max {perPeer.Max():F2})");

            // Crash: the peer's requests hang; its shards move once its Lease and fences expire.
            var victim = peers.Keys.Order(StringComparer.Ordinal).First();
            var rule = server.Faults.Add(new FaultRule { Caller = $"bench-shard-peer/{victim}", Action = FaultAction.Partition });
            var crash = await owners.SettleAsync(shards, peers.Keys.Where(p => p != victim), timeout, cancellationToken);
            Say.Line($"  crash of {victim}: rebalanced in {crash.TotalSeconds:F1} s");
            server.Faults.Remove(rule);
            await peers[victim].DisposeAsync();
            peers.Remove(victim);

            // Join: a new peer takes its rendezvous share.
            var joiner = "peer-new";
            peers[joiner] = BenchPeer.Start(server, owners, joiner, shards, latency);
            var join = await owners.SettleAsync(shards, peers.Keys, timeout, cancellationToken);
            Say.Line($"  join of {joiner}: rebalanced in {join.TotalSeconds:F1} s");

            // Graceful stop: fences released, peer Lease deleted.
            var leaving = peers.Keys.Where(p => p != joiner).Order(StringComparer.Ordinal).First();
            var stopping = peers[leaving].StopAsync();
            var graceful = await owners.SettleAsync(shards, peers.Keys.Where(p => p != leaving), timeout, cancellationToken);
            await stopping;
            peers.Remove(leaving);
            Say.Line($"  graceful stop of {leaving}: rebalanced in {graceful.TotalSeconds:F1} s");

            var size = $"{peerCount}x{shardCount}";
            return
            [
                Metric.FromValue("sharding", $"rebalance after a peer crash ({size})", "s", crash.TotalSeconds, 1, common, "≤ lease duration + 2 probe intervals (30 s)", crash <= options.LeaseDuration + (2 * options.ProbeInterval), "peer Lease and fences expire on the observers' clocks: the last change is seen up to a probe late, the expiry noticed up to a probe late"),
                Metric.FromValue("sharding", $"rebalance after a graceful stop ({size})", "s", graceful.TotalSeconds, 1, common, "≤ 2 probe intervals (10 s)", graceful <= 2 * options.ProbeInterval, "released fences, deleted peer Lease: no expiry"),
                Metric.FromValue("sharding", $"rebalance after a join ({size})", "s", join.TotalSeconds, 1, common, note: "joiner's first probe interval + the owners' next pass + release + acquisition"),
                Metric.FromValue("sharding", $"API requests per second per peer, settled ({size})", "req/s", perPeer.Average(), perPeer.Count, common, note: $"max {perPeer.Max():F2}; one list per probe + one renewal per owned fence and the peer Lease per renew interval"),
            ];
        }
        finally
        {
            server.Faults.Clear();
            foreach (var peer in peers.Values)
            {
                await peer.DisposeAsync();
            }
        }
    }

    /// <summary>The current owners as the workers report them.</summary>
    private sealed class Owners
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _owners = new(StringComparer.Ordinal);

        public IShardWorker WorkerFor(string peer) => new Worker(this, peer);

        public async Task<TimeSpan> SettleAsync(IReadOnlyList<string> shards, IEnumerable<string> livePeers, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var peers = livePeers.Select(p => new ShardPeer(p, 1)).ToList();
            var expected = RendezvousHashing.Assign(shards, peers);
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < timeout)
            {
                if (shards.All(s => _owners.TryGetValue(s, out var o) && o.Count == 1 && o.ContainsKey(expected[s])))
                {
                    return Stopwatch.GetElapsedTime(start);
                }

                await Task.Delay(20, cancellationToken);
            }

            throw new TimeoutException($"sharding: not settled within {timeout}");
        }

        private sealed class Worker(Owners owners, string peer) : IShardWorker
        {
            public async Task RunAsync(ShardAssignment assignment, CancellationToken cancellationToken)
            {
                var set = owners._owners.GetOrAdd(assignment.Shard, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
                set[peer] = 0;
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    set.TryRemove(peer, out _);
                }
            }
        }
    }

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);

        public void Reset() => Interlocked.Exchange(ref _value, 0);
    }

    private sealed class BenchPeer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        private BenchPeer(ShardCoordinator coordinator, Counter requests)
        {
            Requests = requests;
            _run = coordinator.RunAsync(_stop.Token);
        }

        public Counter Requests { get; }

        public static BenchPeer Start(FakeKubernetesApiServer server, Owners owners, string id, IEnumerable<string> shards, TimeSpan latency)
        {
            var requests = new Counter();
            var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString() }, new CountingHandler(id, requests, latency));
            var coordinator = new ShardCoordinator(client, new ShardedOwnershipOptions { PeerId = id }, new FixedShardSource(shards), owners.WorkerFor(id), TimeProvider.System, NullLoggerFactory.Instance);
            return new BenchPeer(coordinator, requests);
        }

        public async Task StopAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _run;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }

    private sealed class CountingHandler(string peer, Counter requests, TimeSpan latency) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Increment();
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", $"bench-shard-peer/{peer}");
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
