using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Tests.Protocol;

public sealed class LeaseTimingTests
{
    [Theory]
    [InlineData(null, null, null, true)]
    [InlineData(15, 10, 2, true)]
    [InlineData(15, 10, 3, false)]
    [InlineData(14, 10, 2, false)]
    [InlineData(60, 40, 5, true)]
    [InlineData(0, 10, 2, false)]
    [InlineData(5, 2, 1, false)]
    public void EnforcesTheSafetyInequality(int? lease, int? renew, int? retry, bool valid)
    {
        var spec = new V1Alpha1MultiClusterLeaseSpec { LeaseDurationSeconds = lease, RenewDeadlineSeconds = renew, RetryPeriodSeconds = retry };
        Assert.Equal(valid, LeaseTiming.TryFromSpec(spec, out _, out var error));
        Assert.Equal(valid, error is null);
    }

    [Fact]
    public void TheErrorNamesTheFix()
    {
        LeaseTiming.TryFromSpec(new V1Alpha1MultiClusterLeaseSpec { LeaseDurationSeconds = 12 }, out _, out var error);
        Assert.Contains("leaseDurationSeconds: 15", error);
    }

    [Theory]
    [InlineData("default/my-operator", true)]
    [InlineData("team-a/elections/db_primary", true)]
    [InlineData("/leading-slash", false)]
    [InlineData("a/../b", false)]
    [InlineData("has space", false)]
    [InlineData("", false)]
    public void ValidatesLockNames(string name, bool valid) => Assert.Equal(valid, LockNames.IsValid(name, out _));
}
