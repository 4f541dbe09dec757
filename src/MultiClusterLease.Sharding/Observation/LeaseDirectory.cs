using k8s.Models;

namespace MultiClusterLease.Sharding.Observation;

/// <summary>
/// The peer's view of the sharding Leases (peer and fence Leases, found by <see cref="ShardedOwnershipOptions.RoleLabel"/>):
/// the latest copy of each, and how long each has been unchanged on this process's clock (<see cref="ChangeTracker"/>).
/// Fed by one list per decision pass and by the peer's own writes. Thread-safe.
/// </summary>
/// <param name="timeProvider">The clock.</param>
internal sealed class LeaseDirectory(TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private readonly ChangeTracker _tracker = new(timeProvider);
    private readonly Dictionary<string, V1Lease> _leases = new(StringComparer.Ordinal);

    /// <summary>Gets whether at least one complete list has been seen; before it, absence means nothing.</summary>
    public bool Listed { get; private set; }

    /// <summary>Replaces the view with a complete list.</summary>
    /// <param name="leases">Every sharding Lease in the namespace.</param>
    public void Update(IEnumerable<V1Lease> leases)
    {
        lock (_lock)
        {
            _leases.Clear();
            foreach (var lease in leases)
            {
                var name = lease.Metadata.Name;
                _leases[name] = lease;
                _tracker.Observe(name, Version(lease));
            }

            _tracker.Retain(_leases.Keys.ToHashSet(StringComparer.Ordinal));
            Listed = true;
        }
    }

    /// <summary>Records a Lease this peer has just written (or read): newer than the last list.</summary>
    /// <param name="lease">The Lease as the server returned it.</param>
    public void Record(V1Lease lease)
    {
        lock (_lock)
        {
            var name = lease.Metadata.Name;
            if (_leases.TryGetValue(name, out var known) && IsOlder(lease, known))
            {
                return;
            }

            _leases[name] = lease;
            _tracker.Observe(name, Version(lease));
        }
    }

    /// <summary>Forgets a Lease this peer has just deleted.</summary>
    /// <param name="name">The Lease's name.</param>
    public void Forget(string name)
    {
        lock (_lock)
        {
            _leases.Remove(name);
        }
    }

    /// <summary>Gets a Lease and how long it has been unchanged here.</summary>
    /// <param name="name">The Lease's name.</param>
    /// <returns>The Lease and its unchanged time, or <see langword="null"/> if not in the view.</returns>
    public (V1Lease Lease, TimeSpan UnchangedFor)? Get(string name)
    {
        lock (_lock)
        {
            return _leases.TryGetValue(name, out var lease) ? (lease, _tracker.UnchangedFor(name) ?? TimeSpan.Zero) : null;
        }
    }

    /// <summary>Gets every Lease with a role and how long each has been unchanged here.</summary>
    /// <param name="role">The value of <see cref="ShardedOwnershipOptions.RoleLabel"/>.</param>
    /// <returns>The Leases.</returns>
    public IReadOnlyList<(V1Lease Lease, TimeSpan UnchangedFor)> WithRole(string role)
    {
        lock (_lock)
        {
            return [.. _leases.Values
                .Where(l => l.Metadata.Labels is { } labels && labels.TryGetValue(ShardedOwnershipOptions.RoleLabel, out var r) && r == role)
                .Select(l => (l, _tracker.UnchangedFor(l.Metadata.Name) ?? TimeSpan.Zero))];
        }
    }

    private static string Version(V1Lease lease) => lease.Metadata.ResourceVersion ?? "";

    private static bool IsOlder(V1Lease candidate, V1Lease known) =>
        long.TryParse(candidate.Metadata.ResourceVersion, out var a) && long.TryParse(known.Metadata.ResourceVersion, out var b) && a < b;
}
