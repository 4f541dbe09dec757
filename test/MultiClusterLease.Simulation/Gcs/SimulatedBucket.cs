using MultiClusterLease.Election.Backend;
using MultiClusterLease.Simulation.Scheduling;

namespace MultiClusterLease.Simulation.Gcs;

/// <summary>One committed write, as the bucket's commit log records it.</summary>
/// <param name="At">The reference time of the commit.</param>
/// <param name="Writer">The writing process.</param>
/// <param name="Name">The object name.</param>
/// <param name="Generation">The new generation.</param>
/// <param name="Record">The body written.</param>
internal sealed record Commit(TimeSpan At, string Writer, string Name, long Generation, LockRecord Record);

/// <summary>
/// The simulated bucket, with the sandbox's semantics (src/MultiClusterLease.Sandbox/Gcs/FakeGcsStore.cs): every write
/// of an object creates a new generation (increasing, or random and unique when the seed asks for it); a write with
/// <c>ifGenerationMatch</c> that does not match (0 = absent) fails 412; an object written less than a second after
/// its last write is refused 429 (GCS's one write per second per object). The commit log keeps every write.
/// </summary>
internal sealed class SimulatedBucket
{
    private static readonly TimeSpan WriteSpacing = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly Random _random;
    private readonly bool _randomGenerations;
    private readonly HashSet<long> _usedGenerations = [];
    private long _lastGeneration = 1_000;

    public SimulatedBucket(SimulatedProcess server, Random random, bool randomGenerations)
    {
        Server = server;
        _random = random;
        _randomGenerations = randomGenerations;
    }

    public SimulatedProcess Server { get; }

    public List<Commit> Log { get; } = [];

    /// <summary>Raised on every commit (for the trace).</summary>
    public event Action<Commit>? Committed;

    /// <summary>Gets the names of objects that are not lock records (for the no-lost-data invariant).</summary>
    public HashSet<string> ForeignObjects { get; } = new(StringComparer.Ordinal);

    /// <summary>Places an object that is not a lock record (another application's data at a lock's name).</summary>
    public void PutForeign(string name, string body)
    {
        _objects[name] = new StoredObject(NextGeneration(), null, body, TimeSpan.MinValue);
        ForeignObjects.Add(name);
    }

    public LockSnapshot Read(string name)
        => _objects.TryGetValue(name, out var stored)
            ? stored.Record is { } record
                ? new LockSnapshot { Generation = stored.Generation, Record = record }
                : new LockSnapshot { Generation = stored.Generation, CorruptionError = "not a lock record: " + stored.Foreign }
            : LockSnapshot.Absent;

    /// <summary>Writes conditionally: the new generation, or 412, or 429.</summary>
    public (int Status, long Generation) Write(string name, LockRecord record, long ifGenerationMatch, string writer)
    {
        _objects.TryGetValue(name, out var stored);
        var current = stored?.Generation ?? 0;
        if (current != ifGenerationMatch)
        {
            return (412, 0);
        }

        var now = Server.Loop.Now;
        if (stored is not null && stored.CommittedAt != TimeSpan.MinValue && now - stored.CommittedAt < WriteSpacing)
        {
            return (429, 0);
        }

        var generation = NextGeneration();
        _objects[name] = new StoredObject(generation, record, null, now);
        var commit = new Commit(now, writer, name, generation, record);
        Log.Add(commit);
        Committed?.Invoke(commit);
        return (200, generation);
    }

    private long NextGeneration()
    {
        if (!_randomGenerations)
        {
            return ++_lastGeneration;
        }

        long generation;
        do
        {
            generation = _random.NextInt64(1, long.MaxValue / 2);
        }
        while (!_usedGenerations.Add(generation));
        return generation;
    }

    private sealed record StoredObject(long Generation, LockRecord? Record, string? Foreign, TimeSpan CommittedAt);
}
