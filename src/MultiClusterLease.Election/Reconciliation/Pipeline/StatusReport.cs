using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>Everything one pass knows that goes into the CR's status.</summary>
/// <param name="Lease">The CR of the pass (its generation, deletion and previous conditions).</param>
/// <param name="Timing">The spec's timing (the refresh period of <c>globalRenewTime</c>).</param>
/// <param name="Lock">The lock as last read or written, or <see langword="null"/> when never seen.</param>
/// <param name="LockChangedAt">The wall-clock time the lock last changed (reported as <c>globalRenewTime</c>).</param>
/// <param name="LockObject">Where the lock lives (e.g. <c>gs://bucket/object</c>), or <see langword="null"/> before the lock name is known.</param>
/// <param name="BackendError">The backend's last error, or <see langword="null"/> when it answered.</param>
/// <param name="ObservedGeneration">The generation whose signal a backend operation answered, or 0 for none yet.</param>
/// <param name="SpecError">Why the spec is invalid, or <see langword="null"/>.</param>
/// <param name="ReleasePending">The ReleasePending condition's message while a deleted CR's holder may still lead, or <see langword="null"/>.</param>
internal sealed record StatusReport(
    Lease Lease,
    LeaseTiming Timing,
    LockSnapshot? Lock,
    DateTimeOffset? LockChangedAt,
    string? LockObject,
    string? BackendError,
    long ObservedGeneration,
    string? SpecError = null,
    string? ReleasePending = null);
