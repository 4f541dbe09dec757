namespace MultiClusterLease.Sharding.Tests;

public sealed class ShardedOwnershipOptionsValidatorTests
{
    private static bool Valid(Action<ShardedOwnershipOptions> change)
    {
        var options = new ShardedOwnershipOptions { PeerId = "p" };
        change(options);
        return new ShardedOwnershipOptionsValidator().Validate(null, options).Succeeded;
    }

    [Fact]
    public void Defaults_are_the_seeds_and_valid()
    {
        var options = new ShardedOwnershipOptions();
        Assert.Equal(("kube-system", "mcr-peer-", "mcr-shard-"), (options.Namespace, options.PeerLeasePrefix, options.ShardLeasePrefix));
        Assert.Equal((20, 10, 0.75, 5), (options.LeaseDuration.TotalSeconds, options.RenewInterval.TotalSeconds, options.FenceThrottle.TotalSeconds, options.ProbeInterval.TotalSeconds));
        Assert.True(Valid(_ => { }));
        Assert.True(Valid(o => o.FenceKind = FenceKind.MultiClusterLease));
    }

    [Fact]
    public void Timings_that_could_give_two_owners_are_refused()
    {
        Assert.False(Valid(o => o.RenewDeadline = o.LeaseDuration));
        Assert.False(Valid(o => o.RenewInterval = o.RenewDeadline));
        Assert.False(Valid(o => o.LeaseDuration = TimeSpan.FromSeconds(20.5)));
        Assert.False(Valid(o => o.ProbeInterval = TimeSpan.FromSeconds(11)));
        Assert.False(Valid(o => (o.FenceKind, o.GlobalRetryPeriod) = (FenceKind.MultiClusterLease, TimeSpan.FromSeconds(3))));
        Assert.False(Valid(o => o.PeerWeight = 0));
        Assert.False(Valid(o => o.PeerId = ""));
        Assert.False(Valid(o => o.ShardLeasePrefix = o.PeerLeasePrefix));
    }
}
