using System.Globalization;
using k8s.Models;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Membership;

/// <summary>
/// Membership from peer Leases: a peer is live while its Lease keeps changing, judged on this process's own clock
/// (unchanged for its <c>leaseDurationSeconds</c> = left), and while its holder is set (a peer that leaves gracefully
/// deletes its Lease). This peer is always a member of its own view.
/// </summary>
internal static class PeerLeases
{
    /// <summary>The value of <see cref="ShardedOwnershipOptions.RoleLabel"/> on peer Leases.</summary>
    public const string Role = "peer";

    /// <summary>Gets the live peers.</summary>
    /// <param name="directory">The Leases seen.</param>
    /// <param name="options">The settings (prefix, this peer's identity and weight).</param>
    /// <returns>The live peers, sorted by identity.</returns>
    public static IReadOnlyList<ShardPeer> Live(LeaseDirectory directory, ShardedOwnershipOptions options)
    {
        var peers = new Dictionary<string, ShardPeer>(StringComparer.Ordinal) { [options.PeerId] = new(options.PeerId, options.PeerWeight) };
        foreach (var (lease, unchangedFor) in directory.WithRole(Role))
        {
            var holder = lease.Spec?.HolderIdentity;
            if (string.IsNullOrEmpty(holder) || holder == options.PeerId || !lease.Metadata.Name.StartsWith(options.PeerLeasePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var duration = TimeSpan.FromSeconds(lease.Spec!.LeaseDurationSeconds ?? (int)options.LeaseDuration.TotalSeconds);
            if (unchangedFor < duration)
            {
                peers[holder] = new ShardPeer(holder, Weight(lease));
            }
        }

        return [.. peers.Values.OrderBy(p => p.Id, StringComparer.Ordinal)];
    }

    /// <summary>Builds this peer's Lease, renewed now.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="now">The time to write as renewTime.</param>
    /// <param name="existing">The Lease as last seen, to replace; <see langword="null"/> to create one.</param>
    /// <returns>The Lease to write.</returns>
    public static V1Lease Renewed(ShardedOwnershipOptions options, DateTimeOffset now, V1Lease? existing)
    {
        var lease = existing ?? new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = LeaseNames.For(options.PeerLeasePrefix, options.PeerId), NamespaceProperty = options.Namespace },
            Spec = new V1LeaseSpec { AcquireTime = now.UtcDateTime },
        };
        lease.Metadata.Labels ??= new Dictionary<string, string>();
        lease.Metadata.Labels[ShardedOwnershipOptions.RoleLabel] = Role;
        lease.Metadata.Annotations ??= new Dictionary<string, string>();
        lease.Metadata.Annotations[ShardedOwnershipOptions.WeightAnnotation] = options.PeerWeight.ToString("R", CultureInfo.InvariantCulture);
        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = options.PeerId;
        lease.Spec.LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds;
        lease.Spec.RenewTime = now.UtcDateTime;
        return lease;
    }

    private static double Weight(V1Lease lease) =>
        lease.Metadata.Annotations is { } annotations
        && annotations.TryGetValue(ShardedOwnershipOptions.WeightAnnotation, out var text)
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight)
        && weight > 0 && !double.IsInfinity(weight)
            ? weight
            : 1;
}
