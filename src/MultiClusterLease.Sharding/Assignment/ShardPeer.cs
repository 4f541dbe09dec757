namespace MultiClusterLease.Sharding.Assignment;

/// <summary>A live peer as the assignment sees it.</summary>
/// <param name="Id">The peer's identity.</param>
/// <param name="Weight">Its weight (positive); its expected share of the shards is its weight over the sum of weights.</param>
public sealed record ShardPeer(string Id, double Weight);
