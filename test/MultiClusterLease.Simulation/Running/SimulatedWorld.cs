using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Errors;
using k8s;
using MultiClusterLease.Simulation.Candidates;
using MultiClusterLease.Simulation.Checking;
using MultiClusterLease.Simulation.Faults;
using MultiClusterLease.Simulation.Gcs;
using MultiClusterLease.Simulation.Kubernetes;
using MultiClusterLease.Simulation.Scheduling;
using MultiClusterLease.Timing;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Simulation.Running;

/// <summary>
/// One seeded world: 2–3 clusters, each with an election controller (the real <see cref="ElectionController"/> and
/// its reconcilers) and 1–2 candidates (our <see cref="MultiClusterLeaderElector"/>, or the official elector's
/// transcription driving the real <see cref="MultiClusterLeaseLock"/>), one bucket, per-process clocks with offsets and
/// per-cluster timings, and a schedule of faults; then healing, and the invariants. Everything runs on the calling
/// thread, in simulated time; the same seed gives the same trace.
/// </summary>
internal sealed class SimulatedWorld
{
    private const string Namespace = "sim";
    private const string LeaseName = "election";
    private const string LockName = "sim/election";
    private const string ForeignLeaseName = "foreign";
    private const string ForeignLockName = "sim/foreign";
    private static readonly (int Lease, int Renew, int Retry)[] Timings = [(8, 3, 2), (10, 5, 2), (15, 10, 2)];

    private readonly int _seed;
    private readonly SimulationSettings _settings;
    private readonly Random _setup;
    private readonly Random _network;
    private readonly SimulationLoop _loop;
    private readonly SimulatedProcess _world;
    private readonly StringBuilder _trace = new();
    private readonly LeadershipLog _leadership = new();
    private readonly List<string> _violations = [];
    private readonly Dictionary<string, Link> _links = new(StringComparer.Ordinal);
    private readonly List<SimulatedCluster> _clusters = [];
    private readonly List<(int Lease, int Renew, int Retry)> _timing = [];
    private readonly Dictionary<int, ControllerSlot> _controllers = [];
    private readonly List<CandidateSlot> _candidates = [];
    private SimulatedBucket _bucket = null!;
    private int _processes;

    private SimulatedWorld(int seed, SimulationSettings settings)
    {
        _seed = seed;
        _settings = settings;
        _setup = new Random(seed);
        _network = new Random(unchecked((seed * 31) + 7));
        _loop = new SimulationLoop(new Random(unchecked((seed * 17) + 3)));
        _world = new SimulatedProcess(_loop, "world", TimeSpan.Zero);
    }

    /// <summary>Runs one seed.</summary>
    public static SimulationResult Run(int seed, SimulationSettings? settings = null)
    {
        using var jitter = Jitter.UseOnThisThread(new Random(unchecked((seed * 13) + 5)));
        return new SimulatedWorld(seed, settings ?? SimulationSettings.Default).Run();
    }

    private SimulationResult Run()
    {
        var clusterCount = _setup.Next(2, 4);
        _bucket = new SimulatedBucket(new SimulatedProcess(_loop, "gcs", TimeSpan.Zero), _network, randomGenerations: _setup.Next(2) == 0);
        _bucket.Committed += c => Note(c.At, $"GCS commit {c.Name} gen {c.Generation} by {c.Writer}: holder '{c.Record.HolderIdentity}' epoch {c.Record.Epoch} lease {c.Record.LeaseDurationSeconds}s");
        var foreign = _setup.Next(4) == 0;
        if (foreign)
        {
            _bucket.PutForeign("leases/" + ForeignLockName, "{\"someone\":\"else's data\"}");
            Note("the object leases/" + ForeignLockName + " holds another application's data");
        }

        for (var i = 0; i < clusterCount; i++)
        {
            var name = $"c{i}";
            var cluster = new SimulatedCluster(name, new SimulatedProcess(_loop, $"apiserver-{name}", TimeSpan.Zero));
            cluster.Changed += (type, obj) =>
            {
                if (type != WatchEventType.Modified)
                {
                    Note($"{name}: MultiClusterLease {obj["metadata"]?["name"]} {type}");
                }
            };
            _clusters.Add(cluster);
            _timing.Add(Timings[_setup.Next(Timings.Length)]);
            Note($"cluster {name}: leaseDuration {_timing[i].Lease}s renewDeadline {_timing[i].Renew}s retryPeriod {_timing[i].Retry}s");
        }

        for (var i = 0; i < clusterCount; i++)
        {
            StartController(i);
        }

        for (var i = 0; i < clusterCount; i++)
        {
            var count = _setup.Next(1, 3);
            for (var j = 0; j < count; j++)
            {
                StartCandidate(i, $"{_clusters[i].Name}-{j + 1}", LeaseName, LockName, official: _setup.Next(2) == 0);
            }
        }

        if (foreign)
        {
            StartCandidate(0, "foreign-1", ForeignLeaseName, ForeignLockName, official: false, tracked: false);
        }

        var faults = FaultPlan.Draw(_setup, clusterCount, _candidates.Count(c => c.Tracked));
        var injected = new List<Fault>();
        for (var i = 0; i < faults.Count; i++)
        {
            if (_settings.KeepFaults is { } keep && !keep.Contains(i))
            {
                continue;
            }

            var fault = faults[i];
            injected.Add(fault);
            At(fault.Start, () => Inject(fault));
        }

        var healAt = TimeSpan.FromSeconds(10);
        var maxLeaseDuration = TimeSpan.FromSeconds(_timing.Max(t => t.Lease));
        foreach (var fault in injected)
        {
            // A deletion lasts until it may complete: within leaseDuration + retryPeriod, while the holder's lease runs
            // out (docs/design.md); liveness counts from then.
            var end = fault.Start + (fault.Kind == FaultKind.DeleteLeaseWhileLeading ? maxLeaseDuration + TimeSpan.FromSeconds(2) : Duration(fault));
            healAt = end > healAt ? end : healAt;
        }

        healAt += TimeSpan.FromSeconds(0.5);
        var maxLease = _timing.Max(t => t.Lease);
        var bound = TimeSpan.FromSeconds(maxLease + 2 + 2);
        TimeSpan? timeToLeader = null;
        At(healAt, () =>
        {
            HealAll();
            Note("all faults healed");
            if (_leadership.CurrentLeader is not null)
            {
                timeToLeader = TimeSpan.Zero;
            }
        });
        _leadershipStarted = now =>
        {
            if (timeToLeader is null && now >= healAt)
            {
                timeToLeader = now - healAt;
            }
        };

        var endAt = healAt + bound + TimeSpan.FromSeconds(2);
        _loop.RunUntil(endAt);

        if (timeToLeader is null || timeToLeader > bound)
        {
            _violations.Add($"liveness: no leader within {bound.TotalSeconds:F0} s of healing at {Invariants.F(healAt)} (leaseDuration {maxLease} s + retryPeriod 2 s + 2 s)");
        }

        foreach (var candidate in _candidates.Where(c => c.Leading))
        {
            _leadership.Stop(candidate.Identity, _loop.Now);
        }

        Invariants.OneLeaderAndFencing(_leadership, _violations);
        Invariants.NoStolenLock(_bucket.Log, _violations);
        Invariants.NoLostData(_bucket, _violations);
        if (_loop.Escapes > 0)
        {
            _violations.Add($"determinism: {_loop.Escapes} work items were posted from outside the simulation thread, first from {_loop.FirstEscape}");
        }

        if (_loop.Failure is { } failure)
        {
            _violations.Add($"failure: {failure}");
        }

        Note($"end: {_loop.Steps} steps");
        return new SimulationResult(_seed, _violations, injected, _trace.ToString(), _loop.Steps, _loop.Now, timeToLeader);
    }

    private Action<TimeSpan>? _leadershipStarted;

    private static TimeSpan Duration(Fault fault) => fault.Kind switch
    {
        FaultKind.CandidatePause => TimeSpan.FromSeconds(10 + (fault.Amount * 4)),
        FaultKind.DroppedWatches => TimeSpan.FromSeconds(0.5 + fault.Amount),
        FaultKind.CandidateCrash or FaultKind.ClockStep or FaultKind.DeleteLeaseWhileLeading => TimeSpan.Zero,
        _ => fault.Duration,
    };

    private Link LinkOf(string from, string to)
    {
        var key = from + "->" + to;
        if (!_links.TryGetValue(key, out var link))
        {
            link = new Link(from, to);
            _links[key] = link;
        }

        return link;
    }

    private void StartController(int cluster)
    {
        var slot = _controllers.TryGetValue(cluster, out var existing) ? existing : _controllers[cluster] = new ControllerSlot($"controller-{_clusters[cluster].Name}");
        slot.Incarnation++;
        var process = NewProcess($"{slot.Role}#{slot.Incarnation}", slot.WallOffset ??= Offset());
        slot.Process = process;
        var store = new SimulatedLeaseStore(new SimulatedConnection(_clusters[cluster], process, LinkOf(slot.Role, _clusters[cluster].Name), _network));
        var backend = new SimulatedLockBackend(_bucket, process, LinkOf(slot.Role, "gcs"), _network);
        var options = new ElectionOptions
        {
            Namespace = Namespace,
            ControllerIdentity = process.Name,
            BrokenTakeOverAfterRenewDeadline = _settings.BrokenTakeOverAfterRenewDeadline,
        };
        var controller = new ElectionController(store, backend, NoEvents.Instance, Options.Create(options), process.Clock, NullLoggerFactory.Instance);
        process.Start(() => controller.RunAsync(CancellationToken.None));
        Note($"{process.Name} starts (wall clock {Offset(process)})");
    }

    private void StartCandidate(int cluster, string identity, string leaseName, string lockName, bool official, bool tracked = true)
    {
        var (lease, renew, retry) = _timing[cluster];
        var process = NewProcess(identity, Offset());
        var api = new SimulatedCandidateLeaseClient(new SimulatedConnection(_clusters[cluster], process, LinkOf(identity, _clusters[cluster].Name), _network), Namespace, leaseName);
        var options = new MultiClusterLeaseCandidateOptions
        {
            Namespace = Namespace,
            Name = leaseName,
            Identity = identity,
            LockName = lockName,
            LeaseDuration = TimeSpan.FromSeconds(lease),
            RenewDeadline = TimeSpan.FromSeconds(renew),
            RetryPeriod = TimeSpan.FromSeconds(retry),
        };
        var slot = new CandidateSlot(identity, cluster, process, tracked, official);
        _candidates.Add(slot);
        if (official)
        {
            var @lock = new MultiClusterLeaseLock(new MultiClusterLeaseCandidate(api, options, process.Clock));
            var elector = new OfficialLeaderElectorModel(@lock, options.LeaseDuration, options.RenewDeadline, options.RetryPeriod, process.Clock);
            elector.OnStartedLeading += () => Started(slot, @lock.FencingToken);
            elector.OnStoppedLeading += () => Stopped(slot);
            process.Start(() => elector.RunAndTryToHoldLeadershipForeverAsync(CancellationToken.None));
        }
        else
        {
            var candidate = new MultiClusterLeaseCandidate(api, options, process.Clock);
            var elector = new MultiClusterLeaderElector(candidate, process.Clock);
            elector.StartedLeading += (_, args) =>
            {
                Started(slot, args.FencingToken);
                args.LeadershipToken.Register(() => Stopped(slot));
            };
            elector.StoppedLeading += (_, _) => Stopped(slot);
            process.Start(() => elector.RunAsync(CancellationToken.None));
        }

        Note($"candidate {identity} in {_clusters[cluster].Name} ({(official ? "official elector model" : "our elector")}, wall clock {Offset(process)})");
    }

    private void Started(CandidateSlot slot, long token)
    {
        slot.Leading = true;
        slot.Token = token;
        if (!slot.Tracked)
        {
            Note($"{slot.Identity} STARTS leading the foreign lease (token {token})");
            return;
        }

        _leadership.Start(slot.Identity, token, _loop.Now);
        Note($"{slot.Identity} STARTS leading (token {token})");
        _leadershipStarted?.Invoke(_loop.Now);
    }

    private void Stopped(CandidateSlot slot)
    {
        if (!slot.Leading)
        {
            return;
        }

        slot.Leading = false;
        if (slot.Tracked && _leadership.Stop(slot.Identity, _loop.Now))
        {
            Note($"{slot.Identity} stops leading");
        }
    }

    private void Inject(Fault fault)
    {
        var cluster = _clusters[fault.Cluster];
        var tracked = _candidates.Where(c => c.Tracked).ToList();
        var candidate = tracked[fault.Candidate % tracked.Count];
        var controller = _controllers[fault.Cluster];
        var duration = Duration(fault);
        var heal = new List<Action>();
        Note($"FAULT {fault.Kind} ({cluster.Name}, {candidate.Identity}) for {duration.TotalSeconds:F1}s");
        switch (fault.Kind)
        {
            case FaultKind.CandidateCrash:
                if (candidate.Process.IsDead || tracked.Count(c => !c.Process.IsDead) <= 1)
                {
                    Note("  skipped: keep one candidate alive");
                    return;
                }

                candidate.Process.Kill();
                if (candidate.Leading)
                {
                    _leadership.Stop(candidate.Identity, _loop.Now);
                    Note($"{candidate.Identity} stops leading (crashed)");
                }

                candidate.Leading = false;
                return;
            case FaultKind.CandidatePause when candidate.Official && !_settings.FreezeOfficialElectors:
                // The official elector leads on for up to renewDeadline after a freeze longer than the lease, with any
                // lock (docs/reliability.md, known limitations): it is paused as seen from outside instead.
                Note($"  {candidate.Identity} runs the official elector: paused as seen from outside (API partition)");
                Partition(LinkOf(candidate.Identity, _clusters[candidate.Cluster].Name), heal);
                break;
            case FaultKind.CandidatePause:
                Pause(candidate, heal);
                break;
            case FaultKind.CandidateApiPartition:
                Partition(LinkOf(candidate.Identity, _clusters[candidate.Cluster].Name), heal);
                break;
            case FaultKind.ControllerCrashRestart:
                if (controller.Process!.IsDead)
                {
                    return;
                }

                controller.Process.Kill();
                heal.Add(() => StartController(fault.Cluster));
                break;
            case FaultKind.ControllerPause:
                var paused = controller.Process!;
                paused.Pause();
                heal.Add(paused.Resume);
                break;
            case FaultKind.ControllerGcsPartition:
                Partition(LinkOf(controller.Role, "gcs"), heal);
                break;
            case FaultKind.ControllerApiPartition:
                Partition(LinkOf(controller.Role, cluster.Name), heal);
                break;
            case FaultKind.GcsErrors:
                ForEachGcsLink(l => l.ErrorProbability = 0.5, l => l.ErrorProbability = 0, heal);
                break;
            case FaultKind.GcsSlowWrites:
                ForEachGcsLink(l => l.WriteLatency = TimeSpan.FromSeconds(3.5), l => l.WriteLatency = TimeSpan.Zero, heal);
                break;
            case FaultKind.GcsLostWriteAnswers:
                ForEachGcsLink(l => l.LostAnswerProbability = 0.5, l => l.LostAnswerProbability = 0, heal);
                break;
            case FaultKind.ApiConflicts:
                ForEachApiLink(_clusters[candidate.Cluster].Name, l => l.ConflictProbability = 0.5, l => l.ConflictProbability = 0, heal);
                break;
            case FaultKind.DroppedWatches:
                cluster.DropWatches();
                heal.Add(() => cluster.DropWatches());
                break;
            case FaultKind.DuplicatedWatchEvents:
                ForEachApiLink(cluster.Name, l => l.DuplicateProbability = 0.5, l => l.DuplicateProbability = 0, heal);
                break;
            case FaultKind.MessageReordering:
                var spread = TimeSpan.FromMilliseconds(200 + (fault.Amount * 800));
                ForEachApiLink(cluster.Name, l => l.ExtraLatency = spread, l => l.ExtraLatency = TimeSpan.Zero, heal);
                ForEachGcsLink(l => l.ExtraLatency = spread, l => l.ExtraLatency = TimeSpan.Zero, heal);
                break;
            case FaultKind.ClockStep:
                var step = TimeSpan.FromMinutes(Math.Round((fault.Amount * 60) - 30));
                candidate.Process.Clock.WallOffset += step;
                if (controller.Process is { } stepped)
                {
                    stepped.Clock.WallOffset -= step;
                    controller.WallOffset = stepped.Clock.WallOffset;
                }

                Note($"  wall clocks step: {candidate.Identity} by {step}, {controller.Role} by {-step}");
                return;
            case FaultKind.DeleteLeaseWhileLeading:
                var leader = _candidates.FirstOrDefault(c => c.Leading && c.Tracked);
                var target = leader is null ? cluster : _clusters[leader.Cluster];
                try
                {
                    target.Delete(Namespace, LeaseName);
                    Note($"  deleted the MultiClusterLease in {target.Name} (leader: {leader?.Identity ?? "none"})");
                }
                catch (Exception ex) when (ex.IsNotFound())
                {
                }

                return;
        }

        _pendingHeals.Add(heal);
        At(_loop.Now + duration, () =>
        {
            if (_pendingHeals.Remove(heal))
            {
                foreach (var action in heal)
                {
                    action();
                }

                Note($"HEAL {fault.Kind} ({cluster.Name}, {candidate.Identity})");
            }
        });
    }

    private readonly List<List<Action>> _pendingHeals = [];

    private void HealAll()
    {
        foreach (var heal in _pendingHeals.ToList())
        {
            foreach (var action in heal)
            {
                action();
            }
        }

        _pendingHeals.Clear();
        foreach (var (cluster, slot) in _controllers)
        {
            if (slot.Process is { IsDead: true })
            {
                StartController(cluster);
            }
        }
    }

    private void Pause(CandidateSlot candidate, List<Action> heal)
    {
        var process = candidate.Process;
        if (process.IsDead || process.IsPaused)
        {
            return;
        }

        process.Pause();
        if (candidate.Leading)
        {
            // A frozen process does nothing as a leader; if it still believes it leads when it thaws, a new term opens.
            _leadership.Stop(candidate.Identity, _loop.Now);
            Note($"{candidate.Identity} frozen while leading");
        }

        heal.Add(() =>
        {
            process.Resume();
            if (candidate.Leading && !process.IsDead)
            {
                _leadership.Start(candidate.Identity, candidate.Token, _loop.Now);
                Note($"{candidate.Identity} thaws, still leading (token {candidate.Token})");
            }
        });
    }

    private static void Partition(Link link, List<Action> heal)
    {
        link.Partitioned++;
        heal.Add(() => link.Partitioned--);
    }

    private void ForEachGcsLink(Action<Link> apply, Action<Link> undo, List<Action> heal)
    {
        foreach (var slot in _controllers.Values)
        {
            var link = LinkOf(slot.Role, "gcs");
            apply(link);
            heal.Add(() => undo(link));
        }
    }

    private void ForEachApiLink(string cluster, Action<Link> apply, Action<Link> undo, List<Action> heal)
    {
        foreach (var link in _links.Values.Where(l => l.To == cluster).ToList())
        {
            apply(link);
            heal.Add(() => undo(link));
        }
    }

    private SimulatedProcess NewProcess(string name, TimeSpan offset)
    {
        _processes++;
        return new SimulatedProcess(_loop, name, offset);
    }

    private TimeSpan Offset() => TimeSpan.FromMinutes(_setup.Next(-90, 91));

    private static string Offset(SimulatedProcess process) => process.Clock.WallOffset.ToString("c", CultureInfo.InvariantCulture);

    private void At(TimeSpan at, Action action)
        => _ = new SimulatedTimer(_world, _ => action(), null, at - _loop.Now, Timeout.InfiniteTimeSpan);

    private void Note(string what) => Note(_loop.Now, what);

    private void Note(TimeSpan at, string what)
        => _trace.Append(CultureInfo.InvariantCulture, $"{at.TotalSeconds,9:F3}  {what}\n");

    private sealed class ControllerSlot(string role)
    {
        public string Role { get; } = role;

        public int Incarnation { get; set; }

        public SimulatedProcess? Process { get; set; }

        public TimeSpan? WallOffset { get; set; }
    }

    private sealed class CandidateSlot(string identity, int cluster, SimulatedProcess process, bool tracked, bool official)
    {
        public bool Official { get; } = official;

        public string Identity { get; } = identity;

        public int Cluster { get; } = cluster;

        public SimulatedProcess Process { get; } = process;

        public bool Tracked { get; } = tracked;

        public bool Leading { get; set; }

        public long Token { get; set; }
    }

    private sealed class NoEvents : ILeaseEventSink
    {
        public static readonly NoEvents Instance = new();

        public void Record(Lease lease, string type, string reason, string message)
        {
        }
    }
}
