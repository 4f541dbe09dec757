namespace MultiClusterLease.Sharding.Observation;

/// <summary>
/// Remembers, per key, when this process last saw the key's version change, on its own monotonic clock
/// (<see cref="TimeProvider.GetTimestamp"/>). Expiry is "unchanged for a whole duration, as observed here": another
/// machine's timestamps are never compared with ours. The first sight of a key counts as a change, so a process that
/// has just started waits a whole duration before it calls anything expired. Not thread-safe.
/// </summary>
/// <param name="timeProvider">The clock.</param>
internal sealed class ChangeTracker(TimeProvider timeProvider)
{
    private readonly Dictionary<string, (string Version, long ChangedAt)> _seen = new(StringComparer.Ordinal);

    /// <summary>Records the current version of a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="version">Anything that changes whenever the object changes, e.g. its resourceVersion.</param>
    public void Observe(string key, string version)
    {
        if (!_seen.TryGetValue(key, out var entry) || entry.Version != version)
        {
            _seen[key] = (version, timeProvider.GetTimestamp());
        }
    }

    /// <summary>Forgets keys that are no longer present.</summary>
    /// <param name="present">The keys to keep.</param>
    public void Retain(IReadOnlySet<string> present)
    {
        foreach (var key in _seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _seen.Remove(key);
        }
    }

    /// <summary>Gets how long a key has been unchanged, as observed here.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The time since its last change; <see langword="null"/> if never seen.</returns>
    public TimeSpan? UnchangedFor(string key) =>
        _seen.TryGetValue(key, out var entry) ? timeProvider.GetElapsedTime(entry.ChangedAt) : null;
}
