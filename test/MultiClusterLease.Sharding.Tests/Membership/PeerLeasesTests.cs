using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sharding.Membership;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Tests.Membership;

public sealed class PeerLeasesTests
{
    private static readonly ShardedOwnershipOptions Self = new() { PeerId = "me", LeaseDuration = TimeSpan.FromSeconds(10) };

    private static V1Lease Peer(string id, string version, string? holder = null, string? weight = null, int duration = 10)
    {
        var lease = PeerLeases.Renewed(new ShardedOwnershipOptions { PeerId = id, LeaseDuration = TimeSpan.FromSeconds(duration) }, DateTimeOffset.UnixEpoch, null);
        lease.Metadata.ResourceVersion = version;
        lease.Spec.HolderIdentity = holder ?? id;
        if (weight is not null)
        {
            lease.Metadata.Annotations[ShardedOwnershipOptions.WeightAnnotation] = weight;
        }

        return lease;
    }

    [Fact]
    public void A_peer_whose_lease_stops_changing_for_its_duration_leaves_judged_on_our_clock()
    {
        var clock = new FakeTimeProvider();
        var directory = new LeaseDirectory(clock);

        // The renewTime written by the peer (1970) is never compared with our clock: only changes count.
        directory.Update([Peer("a", "1"), Peer("b", "2")]);
        Assert.Equal(["a", "b", "me"], PeerLeases.Live(directory, Self).Select(p => p.Id));

        clock.Advance(TimeSpan.FromSeconds(6));
        directory.Update([Peer("a", "3"), Peer("b", "2")]);
        clock.Advance(TimeSpan.FromSeconds(4));
        directory.Update([Peer("a", "3"), Peer("b", "2")]);
        Assert.Equal(["a", "me"], PeerLeases.Live(directory, Self).Select(p => p.Id));
    }

    [Fact]
    public void Released_and_foreign_leases_do_not_count_and_weights_are_read()
    {
        var directory = new LeaseDirectory(new FakeTimeProvider());
        directory.Update([Peer("a", "1", holder: ""), Peer("b", "2", weight: "2.5"), Peer("c", "3", weight: "nonsense")]);
        var live = PeerLeases.Live(directory, Self);
        Assert.Equal(["b", "c", "me"], live.Select(p => p.Id));
        Assert.Equal([2.5, 1, 1], live.Select(p => p.Weight));
    }
}
