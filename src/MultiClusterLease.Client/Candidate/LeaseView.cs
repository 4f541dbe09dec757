namespace MultiClusterLease.Client.Candidate;

/// <summary>The global election as this cluster's controller reports it in the CR's status.</summary>
/// <param name="Generation">The CR's <c>metadata.generation</c>.</param>
/// <param name="ObservedGeneration">The controller's <c>status.observedGeneration</c>, or 0 before its first answer.</param>
/// <param name="HolderIdentity">The global holder; "" when nobody holds the lock; <see langword="null"/> before the controller's first answer.</param>
/// <param name="RenewTime">When the controller last saw the holder renew (<c>status.globalRenewTime</c>).</param>
/// <param name="AcquireTime">When the holder acquired the lock (<c>status.globalAcquireTime</c>).</param>
/// <param name="LeaseDurationSeconds">The holder's lease duration in seconds, or <see langword="null"/>.</param>
/// <param name="LeaseTransitions">How many times the holder changed.</param>
/// <param name="FencingToken">The lock's epoch (<c>status.fencingToken</c>), or 0.</param>
public sealed record LeaseView(
    long Generation,
    long ObservedGeneration,
    string? HolderIdentity,
    DateTimeOffset? RenewTime,
    DateTimeOffset? AcquireTime,
    int? LeaseDurationSeconds,
    int LeaseTransitions,
    long FencingToken)
{
    internal static LeaseView From(MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease lease) => new(
        lease.Metadata.Generation ?? 0,
        lease.Status?.ObservedGeneration ?? 0,
        lease.Status?.ObservedGeneration is null ? null : lease.Status.GlobalHolderIdentity ?? "",
        lease.Status?.GlobalRenewTime,
        lease.Status?.GlobalAcquireTime,
        lease.Status?.GlobalLeaseDurationSeconds,
        lease.Status?.GlobalLeaseTransitions ?? 0,
        lease.Status?.FencingToken ?? 0);
}

/// <summary>The outcome of one acquire-or-renew attempt.</summary>
/// <param name="Acquired">Whether the controller confirmed this candidate as the global holder.</param>
/// <param name="View">The status that decided it, or <see langword="null"/> when no answer came in time.</param>
/// <param name="SignalledAt">The candidate's monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) taken before the spec write.</param>
public sealed record LeaseAttempt(bool Acquired, LeaseView? View, long SignalledAt);
