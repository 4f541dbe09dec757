namespace MultiClusterLease.Election.Protocol;

/// <summary>
/// Tracks the liveness of the candidates that write one <c>MultiClusterLease</c> spec. A candidate is live while this
/// controller saw the spec change (its <c>renewTime</c> or generation) with that candidate as <c>holderIdentity</c>
/// within the last lease duration, on this controller's monotonic clock. The first observation after start counts as
/// a change. Every identity ever seen in the spec is "local": a lock held by it was granted through this cluster.
/// Thread-safe: the watch records observations while the reconcile loop reads them.
/// </summary>
/// <remarks>
/// Every spec write bumps <c>metadata.generation</c> by one, so a jump of more than one means this controller missed
/// spec writes (a re-listed watch delivers only the latest state). Any local candidate may have signalled in them, and a
/// signal this controller never saw must not be answered by a read nor leave that candidate's liveness older than its
/// signal (DESIGN §5): on a jump, every known candidate counts as having signalled just before. A <c>""</c> spec is the
/// release of the candidate named by the spec version right before it (the client releases only while it is the spec's
/// holder, conditional on that version); across a jump, who released is unknown.
/// </remarks>
public sealed class CandidateTracker
{
    private const int MaxTrackedIdentities = 64;
    private readonly Dictionary<string, TimeSpan> _lastSignal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastSignalGeneration = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private (string Holder, DateTimeOffset? RenewTime, long Generation)? _lastSpec;
    private string? _releasedBy;

    /// <summary>
    /// Gets the candidate whose own release the current <c>""</c> spec is: the holder of the spec version right before
    /// the <c>""</c> one, as observed here. <see langword="null"/> when the spec names a candidate, or when who released is
    /// unknown (the version before was not observed, e.g. the first observation after start or missed spec writes).
    /// A <c>""</c> written by another local candidate (e.g. a follower shutting down) is never the holder's release.
    /// </summary>
    public string? ReleasedBy
    {
        get
        {
            lock (_gate)
            {
                return _releasedBy;
            }
        }
    }

    /// <summary>Records the spec as observed now.</summary>
    /// <param name="holder">The spec's <c>holderIdentity</c> ("" = release).</param>
    /// <param name="renewTime">The spec's <c>renewTime</c>.</param>
    /// <param name="generation">The object's generation.</param>
    /// <param name="now">The monotonic time of the observation.</param>
    /// <returns><see langword="true"/> when the spec changed since the last observation.</returns>
    public bool Observe(string holder, DateTimeOffset? renewTime, long generation, TimeSpan now)
    {
        lock (_gate)
        {
            return ObserveLocked(holder, renewTime, generation, now);
        }
    }

    private bool ObserveLocked(string holder, DateTimeOffset? renewTime, long generation, TimeSpan now)
    {
        var spec = (holder, renewTime, generation);
        if (_lastSpec == spec)
        {
            return false;
        }

        var previous = _lastSpec;
        _lastSpec = spec;

        // The deletion's generation bump and a spec write both add one; anything else means missed spec writes.
        var adjacent = previous is { } p && (generation == p.Generation || generation == p.Generation + 1);
        if (previous is not null && !adjacent)
        {
            foreach (var identity in _lastSignal.Keys.ToList())
            {
                _lastSignal[identity] = now;
                _lastSignalGeneration[identity] = Math.Max(_lastSignalGeneration[identity], generation - 1);
            }
        }

        _releasedBy = holder.Length > 0 || !adjacent
            ? null
            : previous!.Value.Holder.Length > 0 ? previous.Value.Holder : _releasedBy;

        if (holder.Length > 0)
        {
            if (_lastSignal.Count >= MaxTrackedIdentities && !_lastSignal.ContainsKey(holder))
            {
                var oldest = _lastSignal.MinBy(pair => pair.Value).Key;
                _lastSignal.Remove(oldest);
                _lastSignalGeneration.Remove(oldest);
            }

            _lastSignal[holder] = now;
            _lastSignalGeneration[holder] = generation;
        }

        return true;
    }

    /// <summary>Gets whether <paramref name="identity"/> signalled within <paramref name="leaseDuration"/> before <paramref name="now"/>.</summary>
    /// <param name="identity">The candidate.</param>
    /// <param name="leaseDuration">The lease duration.</param>
    /// <param name="now">The monotonic time.</param>
    /// <returns>Whether the candidate is live.</returns>
    public bool IsLive(string identity, TimeSpan leaseDuration, TimeSpan now)
    {
        lock (_gate)
        {
            return identity.Length > 0 && _lastSignal.TryGetValue(identity, out var at) && now - at < leaseDuration;
        }
    }

    /// <summary>Gets when <paramref name="identity"/> stops being live unless it signals again, or <see langword="null"/>.</summary>
    /// <param name="identity">The candidate.</param>
    /// <param name="leaseDuration">The lease duration.</param>
    /// <returns>The monotonic deadline.</returns>
    public TimeSpan? LiveUntil(string identity, TimeSpan leaseDuration)
    {
        lock (_gate)
        {
            return _lastSignal.TryGetValue(identity, out var at) ? at + leaseDuration : null;
        }
    }

    /// <summary>Gets the spec generation at which <paramref name="identity"/> last signalled, or 0.</summary>
    /// <param name="identity">The candidate.</param>
    /// <returns>The generation.</returns>
    public long LastSignalGeneration(string identity)
    {
        lock (_gate)
        {
            return _lastSignalGeneration.TryGetValue(identity, out var generation) ? generation : 0;
        }
    }

    /// <summary>Gets whether <paramref name="identity"/> was ever seen in this spec since the controller started.</summary>
    /// <param name="identity">The candidate.</param>
    /// <returns>Whether it is a local candidate.</returns>
    public bool IsLocal(string identity)
    {
        lock (_gate)
        {
            return identity.Length > 0 && _lastSignal.ContainsKey(identity);
        }
    }
}
