namespace MultiClusterLease.Sharding;

/// <summary>What serializes the ownership of one shard.</summary>
public enum FenceKind
{
    /// <summary>A <c>coordination.k8s.io/v1</c> Lease <c>mcr-shard-&lt;shard&gt;</c> in the coordination cluster (as in
    /// multicluster-runtime's sharded examples). The fencing token is the Lease's <c>spec.leaseTransitions</c>.</summary>
    Lease,

    /// <summary>A <c>MultiClusterLease</c> <c>mcr-shard-&lt;shard&gt;</c> in the peer's own cluster, settled across clusters by
    /// the election controllers. The fencing token is the global epoch (<c>status.fencingToken</c>). Peers in different
    /// clusters can split the shards; membership then only steers the balance.</summary>
    MultiClusterLease,
}
