using CsCheck;
using MultiClusterLease.Sharding.Assignment;

namespace MultiClusterLease.Sharding.Tests.Assignment;

public sealed class RendezvousHashingTests
{
    private static readonly Gen<string[]> Shards = Gen.Int[1, 100_000].Array[200, 400].Select(a => a.Distinct().Select(i => $"shard-{i}").ToArray());
    private static readonly Gen<string[]> Peers = Gen.Int[0, 10_000].Array[2, 12].Select(a => a.Distinct().Select(i => $"peer-{i}").ToArray()).Where(a => a.Length >= 2);

    private static ShardPeer[] Uniform(IEnumerable<string> ids) => [.. ids.Select(id => new ShardPeer(id, 1))];

    [Fact]
    public void Scores_are_the_same_in_every_process()
    {
        // Pinned values: XxHash64 over UTF-8 "shard|peer" is specified, so these never change between runs, processes
        // or platforms (string.GetHashCode would).
        Assert.Equal(RendezvousHashing.Score("team-a", "peer-0", 1), RendezvousHashing.Score("team-a", "peer-0", 1));
        var owners = new[] { "team-a", "team-b", "team-c", "team-d", "team-e", "team-f" }
            .Select(s => RendezvousHashing.Owner(s, Uniform(["peer-0", "peer-1", "peer-2"])))
            .ToArray();
        Assert.Equal(string.Join(",", PinnedOwners), string.Join(",", owners));
        Assert.Equal(PinnedScore, RendezvousHashing.Score("team-a", "peer-0", 1).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Order_of_peers_does_not_matter() =>
        Gen.Select(Shards, Peers).Sample((shards, peers) =>
        {
            var forward = RendezvousHashing.Assign(shards, Uniform(peers));
            var backward = RendezvousHashing.Assign(shards, Uniform(peers.Reverse()));
            return forward.Count == shards.Length && forward.All(kv => backward[kv.Key] == kv.Value);
        });

    [Fact]
    public void A_joining_peer_takes_only_shards_it_wins_about_one_in_n()
    {
        Gen.Select(Shards, Peers).Sample((shards, peers) =>
        {
            var before = RendezvousHashing.Assign(shards, Uniform(peers.Skip(1)));
            var after = RendezvousHashing.Assign(shards, Uniform(peers));
            var moved = shards.Where(s => before[s] != after[s]).ToList();
            var expected = shards.Length / (double)peers.Length;

            // Every moved shard went to the newcomer; the count is binomial(n, 1/N): within 5 standard deviations + 3.
            var sigma = Math.Sqrt(shards.Length * (1.0 / peers.Length) * (1 - (1.0 / peers.Length)));
            return moved.All(s => after[s] == peers[0]) && Math.Abs(moved.Count - expected) <= (5 * sigma) + 3;
        });
    }

    [Fact]
    public void A_leaving_peer_gives_up_only_its_own_shards()
    {
        Gen.Select(Shards, Peers).Sample((shards, peers) =>
        {
            var before = RendezvousHashing.Assign(shards, Uniform(peers));
            var after = RendezvousHashing.Assign(shards, Uniform(peers.Skip(1)));
            return shards.All(s => before[s] == after[s] || before[s] == peers[0]) && after.Values.All(p => p != peers[0]);
        });
    }

    [Theory]
    [InlineData(3, 100)]
    [InlineData(10, 1_000)]
    [InlineData(10, 10_000)]
    public void Shares_are_balanced_within_five_standard_deviations(int peerCount, int shardCount)
    {
        // Each shard picks a peer uniformly and independently, so a peer's count is binomial(shards, 1/peers); the
        // tolerance is 5 standard deviations (one failure in ~3 million peers).
        var peers = Uniform(Enumerable.Range(0, peerCount).Select(i => $"peer-{i}"));
        var counts = RendezvousHashing.Assign(Enumerable.Range(0, shardCount).Select(i => $"ns-{i}"), peers).Values.CountBy(p => p).ToDictionary();
        var p = 1.0 / peerCount;
        var mean = shardCount * p;
        var sigma = Math.Sqrt(shardCount * p * (1 - p));
        Assert.Equal(peerCount, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, mean - (5 * sigma), mean + (5 * sigma)));
    }

    [Fact]
    public void A_peer_of_weight_two_gets_about_twice_the_share()
    {
        var peers = new[] { new ShardPeer("light-a", 1), new ShardPeer("light-b", 1), new ShardPeer("heavy", 2) };
        var counts = RendezvousHashing.Assign(Enumerable.Range(0, 20_000).Select(i => $"t-{i}"), peers).Values.CountBy(p => p).ToDictionary();

        // Expected shares 1/4, 1/4, 1/2 of 20,000; binomial sigma ≤ 71: allow ±500.
        Assert.InRange(counts["heavy"], 9_500, 10_500);
        Assert.InRange(counts["light-a"], 4_500, 5_500);
    }

    [Fact]
    public void No_peers_means_no_owner() => Assert.Null(RendezvousHashing.Owner("x", []));

    private static readonly string?[] PinnedOwners = ["peer-1", "peer-0", "peer-1", "peer-1", "peer-1", "peer-0"];

    private const string PinnedScore = "0.3123580674332797";
}
