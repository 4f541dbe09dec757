using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Sharding.Ownership;
using MultiClusterLease.Sharding.Sources;

namespace MultiClusterLease.Sharding.Hosting;

/// <summary>Registers sharded ownership.</summary>
public static class ShardingServiceCollectionExtensions
{
    /// <summary>The service key of an optional keyed <see cref="IKubernetes"/> for the coordination cluster (peer Leases
    /// and fence Leases). Register one when peers in different clusters should see each other and split the shards
    /// (with <see cref="FenceKind.MultiClusterLease"/> fences in each peer's own cluster); without it, the unkeyed
    /// <see cref="IKubernetes"/> serves both.</summary>
    public const string CoordinationClientKey = "MultiClusterLease.Sharding.Coordination";

    /// <summary>
    /// Adds <see cref="ShardedOwnershipService"/>: this process becomes a peer that owns some of the shards and runs
    /// <typeparamref name="TWorker"/> for each. Options are validated at start-up
    /// (<see cref="ShardedOwnershipOptionsValidator"/>). Registered only if absent: <see cref="TimeProvider"/> (system),
    /// <see cref="IKubernetes"/> (from the default kubeconfig or in-cluster configuration) and <see cref="IShardSource"/>
    /// (the namespaces selected by <see cref="ShardedOwnershipOptions.NamespaceLabelSelector"/> when set, else
    /// <see cref="ShardedOwnershipOptions.Shards"/>); register your own, e.g. a <see cref="DelegateShardSource"/>, to
    /// provide the shards as a stream.
    /// </summary>
    /// <typeparam name="TWorker">The work per owned shard.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddShardedOwnership<TWorker>(this IServiceCollection services, Action<ShardedOwnershipOptions>? configure = null)
        where TWorker : class, IShardWorker
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<ShardedOwnershipOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShardedOwnershipOptions>, ShardedOwnershipOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IShardWorker, TWorker>();
        services.TryAddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        services.TryAddSingleton<IShardSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ShardedOwnershipOptions>>().Value;
            return options.NamespaceLabelSelector is { Length: > 0 } selector
                ? new NamespaceShardSource(sp.GetRequiredService<IKubernetes>(), selector, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NamespaceShardSource>>())
                : new FixedShardSource(options.Shards);
        });
        services.TryAddSingleton(sp => new ShardedOwnershipService(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetKeyedService<IKubernetes>(CoordinationClientKey),
            sp.GetRequiredService<IOptions<ShardedOwnershipOptions>>(),
            sp.GetRequiredService<IShardSource>(),
            sp.GetRequiredService<IShardWorker>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<ShardedOwnershipService>());
        return services;
    }
}
