using System.Diagnostics;
using MultiClusterLease.Sharding.Ownership;

namespace MultiClusterLease.Sharding.Tests.Harness;

/// <summary>
/// Every tenure of every peer on one clock (this process's <see cref="Stopwatch"/>): when a worker started, when it
/// stopped. The invariant checker: no shard with two owners at once, tokens increase with every tenure, and every shard
/// owned by exactly one live tenure after healing.
/// </summary>
internal sealed class OwnershipLedger
{
    private readonly Lock _lock = new();
    private readonly List<Tenure> _tenures = [];

    public sealed class Tenure(string shard, string peer, long token, long start)
    {
        public string Shard { get; } = shard;

        public string Peer { get; } = peer;

        public long Token { get; } = token;

        public long Start { get; } = start;

        public long? End { get; set; }

        public override string ToString() => $"{Shard}@{Peer}#{Token} [{Start / (Stopwatch.Frequency / 1000)}..{End / (Stopwatch.Frequency / 1000)}]ms";
    }

    public IShardWorker WorkerFor(string peer) => new LedgerWorker(this, peer);

    /// <summary>Gets the current owner of every shard that has one (the last tenure still running).</summary>
    public IReadOnlyDictionary<string, string> Owners()
    {
        lock (_lock)
        {
            return _tenures.Where(t => t.End is null).GroupBy(t => t.Shard).ToDictionary(g => g.Key, g => string.Join("+", g.Select(t => t.Peer)));
        }
    }

    public IReadOnlyList<Tenure> Tenures()
    {
        lock (_lock)
        {
            return [.. _tenures];
        }
    }

    /// <summary>Checks that no two tenures of one shard overlap and that tokens increase; returns the violations.</summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        foreach (var shard in Tenures().GroupBy(t => t.Shard))
        {
            var ordered = shard.OrderBy(t => t.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var previous = ordered[i - 1];
                if (previous.End is null || previous.End > ordered[i].Start)
                {
                    violations.Add($"two owners: {previous} and {ordered[i]}");
                }

                if (ordered[i].Token <= previous.Token)
                {
                    violations.Add($"token did not increase: {previous} then {ordered[i]}");
                }
            }
        }

        return violations;
    }

    /// <summary>Waits until every shard has exactly one running tenure and <paramref name="settled"/> holds for the owners.</summary>
    public async Task<TimeSpan> WaitForAsync(IReadOnlyCollection<string> shards, Func<IReadOnlyDictionary<string, string>, bool> settled, TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < timeout)
        {
            var owners = Owners();
            if (shards.All(s => owners.TryGetValue(s, out var o) && !o.Contains('+', StringComparison.Ordinal)) && settled(owners))
            {
                return Stopwatch.GetElapsedTime(start);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"not settled after {timeout}: {string.Join(", ", Owners().Select(kv => $"{kv.Key}={kv.Value}"))}");
    }

    private Tenure Begin(ShardAssignment assignment)
    {
        var tenure = new Tenure(assignment.Shard, assignment.PeerId, assignment.FencingToken, Stopwatch.GetTimestamp());
        lock (_lock)
        {
            _tenures.Add(tenure);
        }

        return tenure;
    }

    private void Finish(Tenure tenure)
    {
        lock (_lock)
        {
            tenure.End = Stopwatch.GetTimestamp();
        }
    }

    private sealed class LedgerWorker(OwnershipLedger ledger, string peer) : IShardWorker
    {
        public async Task RunAsync(ShardAssignment assignment, CancellationToken cancellationToken)
        {
            Assert.Equal(peer, assignment.PeerId);
            var tenure = ledger.Begin(assignment);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                ledger.Finish(tenure);
            }
        }
    }
}
