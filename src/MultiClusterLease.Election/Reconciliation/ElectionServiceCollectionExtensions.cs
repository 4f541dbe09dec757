using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>Registers the election controller.</summary>
public static class ElectionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ElectionController"/> as a hosted service. An <c>ILockBackend</c>, and an <c>IKubernetesApi</c> (with its
    /// <c>EventRecorder</c>, see <c>AddKubernetesApi</c>) must be registered too; events go to Kubernetes unless another
    /// <see cref="ILeaseEventSink"/> was registered first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddElectionController(this IServiceCollection services, Action<ElectionOptions>? configure = null)
    {
        var options = services.AddOptions<ElectionOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILeaseEventSink, KubernetesEventSink>();
        services.TryAddSingleton<ElectionController>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ElectionController>());
        return services;
    }
}
