using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sharding.Fencing;
using MultiClusterLease.Sharding.Observation;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Fencing;

public sealed class LeaseShardFenceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SandboxCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SandboxCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private (LeaseShardFence Fence, LeaseDirectory Directory, IKubernetes Client) Peer(string id)
    {
        var client = _cluster.Client(id);
        var directory = new LeaseDirectory(_clock);
        var options = new ShardedOwnershipOptions { PeerId = id, LeaseDuration = TimeSpan.FromSeconds(20) };
        return (new LeaseShardFence(client, options, directory, _clock, NullLogger.Instance), directory, client);
    }

    private static async Task ListAsync((LeaseShardFence Fence, LeaseDirectory Directory, IKubernetes Client) peer) =>
        peer.Directory.Update((await peer.Client.CoordinationV1.ListNamespacedLeaseAsync("kube-system", labelSelector: ShardedOwnershipOptions.RoleLabel)).Items);

    [Fact]
    public async Task Tokens_are_lease_transitions_and_a_released_fence_passes_at_once()
    {
        var a = Peer("a");
        var b = Peer("b");
        await ListAsync(a);
        await ListAsync(b);

        Assert.Equal(1, await a.Fence.TryAcquireAsync("team-x", default));
        await ListAsync(b);
        Assert.Null(await b.Fence.TryAcquireAsync("team-x", default));
        Assert.Equal(FenceRenewal.Renewed, await a.Fence.RenewAsync("team-x", default));

        await a.Fence.ReleaseAsync("team-x", default);
        await ListAsync(b);
        Assert.Equal(2, await b.Fence.TryAcquireAsync("team-x", default));

        var lease = await b.Client.CoordinationV1.ReadNamespacedLeaseAsync("mcr-shard-team-x", "kube-system");
        Assert.Equal(("b", 2, 20), (lease.Spec.HolderIdentity, lease.Spec.LeaseTransitions, lease.Spec.LeaseDurationSeconds));
        Assert.Equal(FenceRenewal.Lost, await a.Fence.RenewAsync("team-x", default));
    }

    [Fact]
    public async Task A_fence_expires_only_after_it_stayed_unchanged_for_its_duration_on_the_observer_clock()
    {
        var a = Peer("a");
        var b = Peer("b");
        await ListAsync(a);
        Assert.Equal(1, await a.Fence.TryAcquireAsync("team-y", default));

        await ListAsync(b);
        _clock.Advance(TimeSpan.FromSeconds(19));
        await ListAsync(b);
        Assert.Null(await b.Fence.TryAcquireAsync("team-y", default));

        // a renews: the change restarts b's count.
        Assert.Equal(FenceRenewal.Renewed, await a.Fence.RenewAsync("team-y", default));
        _clock.Advance(TimeSpan.FromSeconds(2));
        await ListAsync(b);
        _clock.Advance(TimeSpan.FromSeconds(19));
        await ListAsync(b);
        Assert.Null(await b.Fence.TryAcquireAsync("team-y", default));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await b.Fence.TryAcquireAsync("team-y", default));
        Assert.Equal(FenceRenewal.Lost, await a.Fence.RenewAsync("team-y", default));
    }

    [Fact]
    public async Task Of_two_peers_deciding_on_the_same_version_only_one_acquires()
    {
        var a = Peer("a");
        var b = Peer("b");
        await ListAsync(a);
        await ListAsync(b);
        var results = await Task.WhenAll(a.Fence.TryAcquireAsync("team-z", default).AsTask(), b.Fence.TryAcquireAsync("team-z", default).AsTask());
        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task Nothing_is_created_before_the_first_list()
    {
        var a = Peer("a");
        Assert.Null(await a.Fence.TryAcquireAsync("team-w", default));
    }
}
