using MultiClusterLease.Simulation.Gcs;

namespace MultiClusterLease.Simulation.Checking;

/// <summary>The safety and liveness properties every simulated run must keep (docs/reliability.md).</summary>
internal static class Invariants
{
    /// <summary>One leader at a time, on the reference clock; and each new leader's fencing token is larger.</summary>
    public static void OneLeaderAndFencing(LeadershipLog log, List<string> violations)
    {
        // A term that ends the instant it starts is a frozen leader thawing and learning at once that its time ran out
        // (its leadership timer was due while it was frozen): it had no time to act as leader.
        var terms = log.Terms.Where(t => t.End != t.Start).OrderBy(t => t.Start).ThenBy(t => t.End ?? TimeSpan.MaxValue).ToList();
        for (var i = 0; i < terms.Count; i++)
        {
            for (var j = i + 1; j < terms.Count && terms[j].Start < (terms[i].End ?? TimeSpan.MaxValue); j++)
            {
                var (a, b) = (terms[i], terms[j]);
                var end = b.End ?? TimeSpan.MaxValue;
                if (end > b.Start && a.Identity != b.Identity)
                {
                    violations.Add($"two leaders: {a.Identity} led {F(a.Start)}–{F(a.End)} while {b.Identity} led from {F(b.Start)}");
                }
            }
        }

        Term? previous = null;
        foreach (var term in terms)
        {
            if (previous is not null && previous.Identity != term.Identity && term.FencingToken <= previous.FencingToken)
            {
                violations.Add($"fencing: {term.Identity} led with token {term.FencingToken} at {F(term.Start)} after {previous.Identity} had {previous.FencingToken}");
            }

            previous = term;
        }
    }

    /// <summary>
    /// From the bucket's commit log: nobody takes a lock from its holder before the holder's lease ran out since its
    /// last write, and the epoch (the fencing token) never goes back and grows on every change of holder.
    /// </summary>
    public static void NoStolenLock(IReadOnlyList<Commit> log, List<string> violations)
    {
        foreach (var writes in log.GroupBy(c => c.Name))
        {
            Commit? previous = null;
            foreach (var write in writes)
            {
                if (previous is not null)
                {
                    var (holder, before) = (write.Record.HolderIdentity, previous.Record.HolderIdentity);
                    if (write.Record.Epoch < previous.Record.Epoch)
                    {
                        violations.Add($"fencing: {write.Name} epoch went from {previous.Record.Epoch} to {write.Record.Epoch} at {F(write.At)}");
                    }

                    if (holder.Length > 0 && before.Length > 0 && holder != before)
                    {
                        var held = write.At - previous.At;
                        if (held < TimeSpan.FromSeconds(previous.Record.LeaseDurationSeconds) - TimeSpan.FromMilliseconds(1))
                        {
                            violations.Add($"stolen lock: {write.Writer} gave {write.Name} to {holder} (epoch {write.Record.Epoch}) at {F(write.At)}, {held.TotalSeconds:F2} s after {before}'s last write (lease {previous.Record.LeaseDurationSeconds} s)");
                        }
                    }

                    if (holder.Length > 0 && holder != before && write.Record.Epoch <= previous.Record.Epoch)
                    {
                        violations.Add($"fencing: {holder} took {write.Name} at {F(write.At)} without a new epoch ({write.Record.Epoch})");
                    }
                }

                previous = write;
            }
        }
    }

    /// <summary>No object that is not a lock record is ever overwritten.</summary>
    public static void NoLostData(SimulatedBucket bucket, List<string> violations)
    {
        foreach (var write in bucket.Log.Where(c => bucket.ForeignObjects.Contains(c.Name)))
        {
            violations.Add($"lost data: {write.Writer} overwrote {write.Name}, which is not a lock record, at {F(write.At)}");
        }
    }

    public static string F(TimeSpan? at) => at is { } t ? $"{t.TotalSeconds:F3}s" : "…";
}
