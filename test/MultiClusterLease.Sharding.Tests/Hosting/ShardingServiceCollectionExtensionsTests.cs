using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MultiClusterLease.Sharding.Hosting;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;
using MultiClusterLease.Sharding.Tests.Harness;

namespace MultiClusterLease.Sharding.Tests.Hosting;

public sealed class ShardingServiceCollectionExtensionsTests
{
    private sealed class IdleWorker : IShardWorker
    {
        public Task RunAsync(ShardAssignment assignment, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    [Fact]
    public async Task The_hosted_service_owns_every_shard_alone_and_leaves_on_stop()
    {
        await using var cluster = await SandboxCluster.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(cluster.Client("host"));
        builder.Services.AddShardedOwnership<IdleWorker>(o =>
        {
            var t = TestPeer.Timings("solo");
            (o.PeerId, o.LeaseDuration, o.RenewInterval, o.RenewDeadline, o.ProbeInterval, o.Shards) = (t.PeerId, t.LeaseDuration, t.RenewInterval, t.RenewDeadline, t.ProbeInterval, ["a", "b"]);
        });
        using var host = builder.Build();
        Assert.IsType<FixedShardSource>(host.Services.GetRequiredService<IShardSource>());
        await host.StartAsync();
        var service = host.Services.GetRequiredService<ShardedOwnershipService>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (service.Owned.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(["a", "b"], service.Owned.Keys.Order());
        await host.StopAsync();
        var leases = await cluster.Client("check").CoordinationV1.ListNamespacedLeaseAsync("kube-system");
        Assert.DoesNotContain(leases.Items, l => l.Metadata.Name == "mcr-peer-solo");
        Assert.All(leases.Items.Where(l => l.Metadata.Name.StartsWith("mcr-shard-", StringComparison.Ordinal)), l => Assert.Equal("", l.Spec.HolderIdentity));
    }

    [Fact]
    public void Invalid_options_stop_the_start()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IKubernetes>(_ => throw new InvalidOperationException("not needed"));
        services.AddShardedOwnership<IdleWorker>(o => o.RenewDeadline = TimeSpan.FromSeconds(30));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ShardedOwnershipOptions>>().Value);
        Assert.Contains("RenewDeadline", error.Message, StringComparison.Ordinal);
    }
}
