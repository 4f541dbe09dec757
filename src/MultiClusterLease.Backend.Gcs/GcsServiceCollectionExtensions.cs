using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>Registers the GCS lock backend.</summary>
public static class GcsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GcsLockBackend"/> as the singleton <see cref="ILockBackend"/>, its options (validated at
    /// start-up: the host does not start with an invalid bucket name, endpoint or timeout), metrics and,
    /// unless already registered, <see cref="TimeProvider.System"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddGcsLockBackend(this IServiceCollection services, Action<GcsLockBackendOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<GcsLockBackendOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GcsLockBackendOptions>, GcsLockBackendOptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GcsLockBackend>();
        services.AddSingleton<ILockBackend>(provider => provider.GetRequiredService<GcsLockBackend>());
        return services;
    }
}
