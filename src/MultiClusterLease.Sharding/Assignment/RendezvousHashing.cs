using System.IO.Hashing;
using System.Text;

namespace MultiClusterLease.Sharding.Assignment;

/// <summary>
/// Weighted rendezvous (highest random weight) hashing: shard s goes to the peer p maximising
/// <c>-w_p / ln(h(s, p))</c>, where <c>h</c> maps XxHash64 of the UTF-8 bytes of <c>"s|p"</c> into (0, 1). The hash is
/// the same in every process and on every platform (never <see cref="string.GetHashCode()"/>). When a peer joins, it
/// takes only the shards it now wins; when one leaves, only its shards move: about 1/N each time. Expected share of a
/// peer: its weight over the sum of weights (Schindelhauer and Schomaker's weighted variant).
/// </summary>
public static class RendezvousHashing
{
    /// <summary>Gets a peer's score for a shard; the highest score wins.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="peer">The peer's identity.</param>
    /// <param name="weight">The peer's weight (positive).</param>
    /// <returns>A positive score.</returns>
    public static double Score(string shard, string peer, double weight)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(peer);
        var bytes = Encoding.UTF8.GetBytes(shard + "|" + peer);
        var hash = XxHash64.HashToUInt64(bytes);

        // 53 random bits, offset by half a step: strictly inside (0, 1), so ln() is finite and negative.
        var unit = ((hash >> 11) + 0.5) / (1UL << 53);
        return -weight / Math.Log(unit);
    }

    /// <summary>Picks a shard's owner among the peers.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="peers">The live peers.</param>
    /// <returns>The winner's identity, or <see langword="null"/> when there are no peers. Equal scores go to the
    /// ordinally smaller identity.</returns>
    public static string? Owner(string shard, IEnumerable<ShardPeer> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        string? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var peer in peers)
        {
            var score = Score(shard, peer.Id, peer.Weight);
            if (score > bestScore || (score == bestScore && best is not null && string.CompareOrdinal(peer.Id, best) < 0))
            {
                best = peer.Id;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>Assigns every shard.</summary>
    /// <param name="shards">The shards.</param>
    /// <param name="peers">The live peers.</param>
    /// <returns>Shard → owner; empty when there are no peers.</returns>
    public static IReadOnlyDictionary<string, string> Assign(IEnumerable<string> shards, IReadOnlyCollection<ShardPeer> peers)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (Owner(shard, peers) is { } owner)
            {
                result[shard] = owner;
            }
        }

        return result;
    }
}
