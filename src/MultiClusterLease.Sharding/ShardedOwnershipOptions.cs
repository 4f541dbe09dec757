namespace MultiClusterLease.Sharding;

/// <summary>
/// Settings of sharded ownership. The defaults are those of multicluster-runtime's sharded coordinator: Leases
/// <c>mcr-peer-&lt;peer&gt;</c> and <c>mcr-shard-&lt;shard&gt;</c> in <c>kube-system</c>, lease duration 20 s, renewal every
/// 10 s, a failed fence acquisition retried no sooner than 750 ms later, a decision pass every 5 s.
/// Rule checked at start-up: <c>RenewInterval &lt; RenewDeadline &lt; LeaseDuration</c>, and <c>ProbeInterval ≤ RenewInterval</c>.
/// </summary>
public sealed class ShardedOwnershipOptions
{
    /// <summary>The label every peer and fence Lease carries; its value is <c>peer</c> or <c>shard</c>. Peers list the
    /// Leases by this label.</summary>
    public const string RoleLabel = "sharding.multiclusterlease.io/role";

    /// <summary>The annotation of a peer Lease that carries the peer's weight (a decimal number).</summary>
    public const string WeightAnnotation = "sharding.multiclusterlease.io/weight";

    /// <summary>Gets or sets this peer's identity, written as the <c>holderIdentity</c> of its Leases. Default: the host
    /// name, which in a StatefulSet pod is <c>NAME-ORDINAL</c>. Exactly one process may use an identity at a time.</summary>
    public string PeerId { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>Gets or sets this peer's weight in the rendezvous hashing: its expected share of the shards is its weight
    /// over the sum of the live peers' weights. Default 1; must be positive.</summary>
    public double PeerWeight { get; set; } = 1;

    /// <summary>Gets or sets the namespace of the peer Leases, the fence Leases and (with
    /// <see cref="FenceKind.MultiClusterLease"/>) the fence MultiClusterLeases. Default <c>kube-system</c>.</summary>
    public string Namespace { get; set; } = "kube-system";

    /// <summary>Gets or sets the name prefix of the peer Leases. Default <c>mcr-peer-</c>.</summary>
    public string PeerLeasePrefix { get; set; } = "mcr-peer-";

    /// <summary>Gets or sets the name prefix of the fences. Default <c>mcr-shard-</c>.</summary>
    public string ShardLeasePrefix { get; set; } = "mcr-shard-";

    /// <summary>Gets or sets what fences a shard. Default <see cref="FenceKind.Lease"/>.</summary>
    public FenceKind FenceKind { get; set; } = FenceKind.Lease;

    /// <summary>Gets or sets how long a peer or fence Lease stays valid without a change, written as
    /// <c>leaseDurationSeconds</c> (whole seconds). A peer whose Lease has not changed for this long (on the observer's
    /// own clock) has left; a fence unchanged for this long has expired. Default 20 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets how often a peer renews its own Lease and the fences it holds. Default 10 s.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long after the start of its last successful renewal an owner keeps a shard: past it the
    /// owner's token is cancelled, so that its work has stopped before anyone else can see the fence expire
    /// (<see cref="LeaseDuration"/>). Default 15 s.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the least time between two failed attempts to acquire one shard's fence. Default 750 ms.</summary>
    public TimeSpan FenceThrottle { get; set; } = TimeSpan.FromMilliseconds(750);

    /// <summary>Gets or sets how often a peer re-reads membership and fences and decides what to own. Default 5 s.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the retry period written into fence MultiClusterLeases (<c>retryPeriodSeconds</c>, whole
    /// seconds; used with <see cref="FenceKind.MultiClusterLease"/> only). Default 2 s.</summary>
    public TimeSpan GlobalRetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets a fixed list of shards; used when no other shard source is registered and
    /// <see cref="NamespaceLabelSelector"/> is not set.</summary>
    public IList<string> Shards { get; set; } = [];

    /// <summary>Gets or sets a label selector (e.g. <c>shard=true</c>): when set, the shards are the namespaces it selects,
    /// watched as they come and go.</summary>
    public string? NamespaceLabelSelector { get; set; }

    /// <summary>Gets or sets how many fence requests one peer sends at once. Default 16.</summary>
    public int MaxConcurrentRequests { get; set; } = 16;
}
