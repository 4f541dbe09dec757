namespace MultiClusterLease.Sharding.Ownership;

/// <summary>One tenure of this peer as a shard's owner.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="FencingToken">The fencing token: larger than every earlier owner's token for this shard. Pass it along
/// with writes the shard's downstream systems can check, so that a stale owner's late writes are refused.</param>
/// <param name="PeerId">This peer's identity.</param>
public sealed record ShardAssignment(string Shard, long FencingToken, string PeerId);
