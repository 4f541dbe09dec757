using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Gcs;
using MultiClusterLease.Testing;
using MultiClusterLease.Tests.Infrastructure;

namespace MultiClusterLease.Tests.Reliability;

/// <summary>The kinds of fault a chaos run injects.</summary>
internal enum FaultKind
{
    CandidateCrash,
    CandidatePause,
    CandidateApiPartition,
    ControllerCrashRestart,
    ControllerPause,
    ControllerGcsPartition,
    ControllerApiPartition,
    GcsErrors,
    GcsSlowWrites,
    GcsLostWriteAnswers,
    ApiConflicts,
    DroppedWatches,
    ClockStep,
    DeleteLeaseWhileLeading,
}

/// <summary>What one seeded chaos run found.</summary>
internal sealed record ChaosResult(int Seed, IReadOnlyList<string> Violations, IReadOnlyList<FaultKind> Faults, TimeSpan? TimeToLeaderAfterHeal, string Timeline)
{
    public bool Ok => Violations.Count == 0;

    public override string ToString()
        => Ok ? $"seed {Seed}: ok" : $"seed {Seed}: {Violations.Count} violation(s)\n  {string.Join("\n  ", Violations)}\nrun again with this seed; timeline:\n{Timeline}";
}

/// <summary>
/// One reproducible chaos run: a seed chooses the clusters, candidates (our elector and the model of the official
/// LeaderElector), their timings and clock offsets, and a schedule of faults. The run injects the faults on the
/// sandbox, heals everything, and then checks the invariants on one reference clock: one leader at a time, growing
/// fencing tokens, no write that takes an unexpired lock from its holder, and a leader soon after healing.
/// </summary>
internal sealed class ChaosScenario
{
    private const string LockName = "tests/election";
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(20);
    private readonly int _seed;
    private readonly Random _random;
    private readonly List<(TimeSpan At, string What)> _timeline = [];
    private readonly Lock _gate = new();

    public ChaosScenario(int seed)
    {
        _seed = seed;
        _random = new Random(seed);
    }

    public async Task<ChaosResult> RunAsync()
    {
        var clusters = Enumerable.Range(0, _random.Next(2, 4)).Select(i => $"cluster-{(char)('a' + i)}").ToArray();
        var leaseByCluster = clusters.ToDictionary(c => c, _ => _random.Next(2) == 0 ? 8 : 10);
        var clocks = new Dictionary<string, SkewedTimeProvider>(StringComparer.Ordinal);
        SkewedTimeProvider Clock(string process) => clocks[process] = new SkewedTimeProvider(TimeSpan.FromMinutes(_random.Next(-90, 91)));

        await using var harness = await ElectionHarness.StartAsync(clusters.Length, startControllers: false, generations: _random.Next(2) == 0 ? GcsGenerationMode.Random : GcsGenerationMode.Increasing);
        var writes = new List<(TimeSpan At, string Holder, long Epoch, int LeaseSeconds)>();
        harness.Sandbox.Gcs.ObjectWritten += write =>
        {
            if (write.Name != $"leases/{LockName}")
            {
                return;
            }

            var body = JsonNode.Parse(write.Body)!;
            var entry = (harness.Now, body["holderIdentity"]!.GetValue<string>(), body["epoch"]?.GetValue<long>() ?? 0, body["leaseDurationSeconds"]!.GetValue<int>());
            lock (_gate)
            {
                writes.Add(entry);
                _timeline.Add((entry.Item1, $"GCS write: holder '{entry.Item2}' epoch {entry.Item3}"));
            }
        };

        foreach (var cluster in clusters)
        {
            await harness.StartControllerAsync(cluster, Clock($"controller-{cluster}"));
        }

        // Candidates: one or two per cluster, each our elector or the official elector's model.
        var candidates = new List<(string Identity, string Cluster, IAsyncDisposable Handle, Func<Task> Crash)>();
        foreach (var cluster in clusters)
        {
            for (var i = 0; i < _random.Next(1, 3); i++)
            {
                var identity = $"{cluster[^1]}{i + 1}";
                var options = ElectionHarness.Options(cluster, identity, lease: leaseByCluster[cluster]);
                var clock = Clock(identity);
                if (_random.Next(2) == 0)
                {
                    var running = harness.StartElector(cluster, identity, (_, _) => options, clock);
                    candidates.Add((identity, cluster, running, running.CrashAsync));
                }
                else
                {
                    var running = harness.StartOfficial(cluster, identity, options, clock);
                    candidates.Add((identity, cluster, running, async () =>
                    {
                        await running.StopAsync();
                        harness.Log.Stopped(identity, harness.Now);
                    }));
                }

                Note(harness, $"candidate {identity} in {cluster} ({(candidates[^1].Handle is RunningElector ? "our elector" : "official LeaderElector")}), leaseDuration {leaseByCluster[cluster]} s, clock offset {clock.Offset}");
            }
        }

        // Faults: a few, at random times, each healed after a random duration.
        var faults = new List<FaultKind>();
        var pending = new List<Task>();
        var crashed = new HashSet<string>(StringComparer.Ordinal);
        var stopControllers = new HashSet<string>(StringComparer.Ordinal);
        var count = _random.Next(3, 7);
        for (var i = 0; i < count; i++)
        {
            var kind = (FaultKind)_random.Next(Enum.GetValues<FaultKind>().Length);
            var start = TimeSpan.FromSeconds(3 + (_random.NextDouble() * 13));
            var duration = TimeSpan.FromSeconds(1 + (_random.NextDouble() * 11));
            var cluster = clusters[_random.Next(clusters.Length)];
            var candidate = candidates[_random.Next(candidates.Count)];
            faults.Add(kind);
            pending.Add(InjectAsync(harness, kind, start, duration, cluster, candidate, crashed, stopControllers, clocks, candidates.Count));
        }

        await Task.Delay(RunTime);
        await Task.WhenAll(pending);

        // Heal: no fault remains, every controller runs, and at least one candidate is alive.
        harness.Sandbox.HealAll();
        foreach (var cluster in clusters.Where(c => !harness.ControllerRunning(c)))
        {
            await harness.StartControllerAsync(cluster, Clock($"controller-{cluster}"));
        }

        var healedAt = harness.Now;
        Note(harness, "all faults healed");
        var maxLease = leaseByCluster.Values.Max();
        var bound = TimeSpan.FromSeconds(maxLease + 2 + 2);
        TimeSpan? timeToLeader = null;
        while (harness.Now - healedAt <= bound + TimeSpan.FromSeconds(1))
        {
            if (harness.Log.CurrentLeader is not null)
            {
                var open = harness.Log.Terms.Last(t => t.End is null);
                timeToLeader = open.Start > healedAt ? open.Start - healedAt : TimeSpan.Zero;
                break;
            }

            await Task.Delay(50);
        }

        // Keep running a little: a leader right after healing must also hold.
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var candidate in candidates)
        {
            await candidate.Handle.DisposeAsync();
            harness.Log.Stopped(candidate.Identity, harness.Now);
        }

        var violations = new List<string>();
        CheckOneLeader(harness.Log, violations);
        lock (_gate)
        {
            CheckNoStolenLocks(writes, violations);
        }

        if (timeToLeader is null || timeToLeader > bound)
        {
            violations.Add($"liveness: no leader within {bound.TotalSeconds} s of healing (leaseDuration {maxLease} s + retryPeriod 2 s + 2 s)");
        }

        return new ChaosResult(_seed, violations, faults, timeToLeader, Timeline(harness));
    }

    private async Task InjectAsync(ElectionHarness harness, FaultKind kind, TimeSpan start, TimeSpan duration, string cluster,
        (string Identity, string Cluster, IAsyncDisposable Handle, Func<Task> Crash) candidate, HashSet<string> crashed,
        HashSet<string> stoppedControllers, Dictionary<string, SkewedTimeProvider> clocks, int candidateCount)
    {
        await Task.Delay(start);
        var server = harness.Sandbox.Cluster(cluster);
        var gcs = harness.Sandbox.Gcs;
        var rules = new List<(FaultInjector Injector, FaultRule Rule)>();
        void Add(FaultInjector injector, FaultRule rule) => rules.Add((injector, injector.Add(rule)));
        var controller = $"controller ({cluster})";
        var caller = $"candidate ({candidate.Identity})";
        var candidateServer = harness.Sandbox.Cluster(candidate.Cluster);

        switch (kind)
        {
            case FaultKind.CandidateCrash:
                lock (crashed)
                {
                    // Keep at least one candidate alive so liveness can be checked after healing.
                    if (crashed.Contains(candidate.Identity) || crashed.Count + 1 >= candidateCount)
                    {
                        Note(harness, $"skip crash of {candidate.Identity}");
                        return;
                    }

                    crashed.Add(candidate.Identity);
                }

                Note(harness, $"FAULT candidate {candidate.Identity} crashes (no release)");
                await candidate.Crash();
                return;
            case FaultKind.CandidatePause:
                // A long pause (e.g. GC): the process makes no progress for longer than the lease; its calls hang.
                duration = TimeSpan.FromSeconds(10 + (_random.NextDouble() * 4));
                Add(candidateServer.Faults, new FaultRule { Caller = caller, Action = FaultAction.Partition });
                break;
            case FaultKind.CandidateApiPartition:
                Add(candidateServer.Faults, new FaultRule { Caller = caller, Action = FaultAction.Partition });
                break;
            case FaultKind.ControllerCrashRestart:
                lock (stoppedControllers)
                {
                    if (!stoppedControllers.Add(cluster))
                    {
                        return;
                    }
                }

                Note(harness, $"FAULT controller of {cluster} crashes for {duration.TotalSeconds:F1} s");
                await harness.StopControllerAsync(cluster);
                await Task.Delay(duration);
                await harness.StartControllerAsync(cluster, clocks[$"controller-{cluster}"]);
                lock (stoppedControllers)
                {
                    stoppedControllers.Remove(cluster);
                }

                Note(harness, $"HEAL controller of {cluster} restarted");
                return;
            case FaultKind.ControllerPause:
                Add(server.Faults, new FaultRule { Caller = controller, Action = FaultAction.Partition });
                Add(gcs.Faults, new FaultRule { Caller = controller, Action = FaultAction.Partition });
                break;
            case FaultKind.ControllerGcsPartition:
                Add(gcs.Faults, new FaultRule { Caller = controller, Action = FaultAction.Partition });
                break;
            case FaultKind.ControllerApiPartition:
                Add(server.Faults, new FaultRule { Caller = controller, Action = FaultAction.Partition });
                break;
            case FaultKind.GcsErrors:
                Add(gcs.Faults, new FaultRule { Action = FaultAction.Error, StatusCode = new[] { 429, 500, 503 }[_random.Next(3)], Probability = 0.5 });
                break;
            case FaultKind.GcsSlowWrites:
                // Slower than the candidates' renew deadline.
                Add(gcs.Faults, new FaultRule { Method = "POST", Action = FaultAction.Delay, Latency = TimeSpan.FromSeconds(3.5) });
                break;
            case FaultKind.GcsLostWriteAnswers:
                Add(gcs.Faults, new FaultRule { Method = "POST", Action = FaultAction.DropResponse, Probability = 0.5 });
                break;
            case FaultKind.ApiConflicts:
                Add(candidateServer.Faults, new FaultRule { Method = "PATCH", Action = FaultAction.Error, StatusCode = 409, Probability = 0.5 });
                break;
            case FaultKind.DroppedWatches:
                duration = TimeSpan.FromSeconds(0.5 + _random.NextDouble());
                Add(server.Faults, new FaultRule { PathContains = "watch=true", Action = FaultAction.Partition });
                break;
            case FaultKind.ClockStep:
                var step = TimeSpan.FromMinutes(_random.Next(-30, 31));
                clocks[candidate.Identity].Step(step);
                clocks[$"controller-{cluster}"].Step(-step);
                Note(harness, $"FAULT wall clocks step: {candidate.Identity} by {step}, controller of {cluster} by {-step}");
                return;
            case FaultKind.DeleteLeaseWhileLeading:
                var leader = harness.Log.CurrentLeader;
                var target = leader is null ? cluster : candidate.Cluster;
                Note(harness, $"FAULT delete the MultiClusterLease in {target} (leader now: {leader ?? "none"})");
                await harness.DeleteLeaseAsync(target);

                return;
        }

        Note(harness, $"FAULT {kind} ({cluster}/{candidate.Identity}) for {duration.TotalSeconds:F1} s");
        await Task.Delay(duration);
        foreach (var (injector, rule) in rules)
        {
            injector.Remove(rule);
        }

        Note(harness, $"HEAL {kind} ({cluster}/{candidate.Identity})");
    }

    private static void CheckOneLeader(LeadershipLog log, List<string> violations)
    {
        var terms = log.Terms.OrderBy(t => t.Start).ToList();
        for (var i = 1; i < terms.Count; i++)
        {
            var previous = terms[i - 1];
            var current = terms[i];
            if (previous.End is null || previous.End > current.Start)
            {
                violations.Add($"one leader: {previous.Identity} led {Format(previous.Start)}–{(previous.End is { } end ? Format(end) : "…")} while {current.Identity} started at {Format(current.Start)}");
            }

            if (previous.Identity != current.Identity && current.FencingToken <= previous.FencingToken)
            {
                violations.Add($"fencing: {current.Identity} got token {current.FencingToken} after {previous.Identity} had {previous.FencingToken}");
            }
        }
    }

    private static void CheckNoStolenLocks(List<(TimeSpan At, string Holder, long Epoch, int LeaseSeconds)> writes, List<string> violations)
    {
        for (var i = 1; i < writes.Count; i++)
        {
            var (at, holder, epoch, _) = writes[i];
            var previous = writes[i - 1];
            if (previous.Holder.Length == 0 || holder == previous.Holder || holder.Length == 0)
            {
                // From a released lock, a renewal, or a release by the holder's own controller.
                continue;
            }

            // The previous holder's last write was at writes[i-1]; nobody may take the lock before its lease ran out.
            var held = at - previous.At;
            if (held < TimeSpan.FromSeconds(previous.LeaseSeconds) - TimeSpan.FromMilliseconds(10))
            {
                violations.Add($"stolen lock: {holder} (epoch {epoch}) took the lock from {previous.Holder} {held.TotalSeconds:F2} s after its last renewal (lease {previous.LeaseSeconds} s)");
            }
        }
    }

    private void Note(ElectionHarness harness, string what)
    {
        lock (_gate)
        {
            _timeline.Add((harness.Now, what));
        }
    }

    private string Timeline(ElectionHarness harness)
    {
        var lines = new List<(TimeSpan At, string What)>();
        lock (_gate)
        {
            lines.AddRange(_timeline);
        }

        foreach (var term in harness.Log.Terms)
        {
            lines.Add((term.Start, $"{term.Identity} STARTS leading (token {term.FencingToken})"));
            if (term.End is { } end)
            {
                lines.Add((end, $"{term.Identity} stops leading"));
            }
        }

        var text = new StringBuilder();
        foreach (var (at, what) in lines.OrderBy(l => l.At))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Format(at)}  {what}\n");
        }

        return text.ToString();
    }

    private static string Format(TimeSpan at) => $"{at.TotalSeconds,7:F2}s";
}
