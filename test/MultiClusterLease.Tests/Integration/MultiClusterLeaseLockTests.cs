using k8s.LeaderElection;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Tests.Infrastructure;

namespace MultiClusterLease.Tests.Integration;

/// <summary>The ILock contract as the official LeaderElector relies on it.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class MultiClusterLeaseLockTests
{
    private static LeaderElectionRecord Record(string holder) => new() { HolderIdentity = holder, AcquireTime = DateTime.UtcNow, RenewTime = DateTime.UtcNow, LeaseDurationSeconds = 8 };

    [Fact]
    public async Task Get_ReturnsNullWhenTheCRDoesNotExist()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        Assert.Null(await @lock.GetAsync());
        Assert.Equal("MultiClusterLease default/election", @lock.Describe());
        Assert.Equal("a", @lock.Identity);
    }

    [Fact]
    public async Task Create_WithoutAController_TimesOutAsFalse_AndLeavesARecordWithoutTimes()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        Assert.False(await @lock.CreateAsync(Record("a")));

        // The CR now exists with the signal; no controller answered, so the elector would call Create again.
        Assert.Equal("a", harness.Lease("cluster-a")!["spec"]!["holderIdentity"]!.GetValue<string>());
        var record = await @lock.GetAsync();
        Assert.NotNull(record);
        Assert.Null(record.HolderIdentity);
        Assert.Null(record.RenewTime);
        Assert.Equal(0, @lock.FencingToken);
    }

    [Fact]
    public async Task Create_WhenAnotherLocalCandidateCreatedTheCR_BehavesAsUpdate()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        await using var other = new MultiClusterLeaseLock(harness.Api("cluster-a", "b"), ElectionHarness.Options("cluster-a", "b"));
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        Assert.True(await other.CreateAsync(Record("b")));
        Assert.True(await other.UpdateAsync(Record("b")));

        // a's Create finds the CR there; the lock is held by b, so the answer is false, promptly and without throwing.
        Assert.False(await @lock.CreateAsync(Record("a")));
        var record = await @lock.GetAsync();
        Assert.Equal("b", record.HolderIdentity);
        Assert.NotNull(record.RenewTime);
        Assert.NotNull(record.AcquireTime);
        Assert.Equal(1, other.FencingToken);
    }

    [Fact]
    public async Task ConcurrentUpdates_AreSafe_AndConfirmTheHolder()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        Assert.True(await @lock.CreateAsync(Record("a")));
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        // The official elector abandons slow attempts and starts new ones: calls overlap.
        var results = await Task.WhenAll(@lock.UpdateAsync(Record("a")), @lock.UpdateAsync(Record("a")));
        Assert.Contains(true, results);
        Assert.Equal("a", (await @lock.GetAsync()).HolderIdentity);
    }

    [Fact]
    public async Task Get_WhenTheApiServerFails_ReturnsTheLastRecordInsteadOfThrowing()
    {
        await using var harness = await ElectionHarness.StartAsync(1);
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        Assert.True(await @lock.CreateAsync(Record("a")));
        var before = await @lock.GetAsync();

        harness.Sandbox.Cluster("cluster-a").Faults.Add(new FaultRule { Caller = "candidate", Action = FaultAction.Error, StatusCode = 500 });
        var during = await @lock.GetAsync();
        Assert.Equal(before.HolderIdentity, during.HolderIdentity);
        Assert.False(await @lock.UpdateAsync(Record("a")));
    }

    [Fact]
    public async Task Update_HonoursCancellation()
    {
        await using var harness = await ElectionHarness.StartAsync(1, startControllers: false);
        await using var @lock = new MultiClusterLeaseLock(harness.Api("cluster-a", "a"), ElectionHarness.Options("cluster-a", "a"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => @lock.UpdateAsync(Record("a"), cancel.Token));
    }
}
