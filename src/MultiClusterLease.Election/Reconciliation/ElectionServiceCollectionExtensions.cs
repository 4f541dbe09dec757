using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>Registers the election controller.</summary>
public static class ElectionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ElectionController"/> as a hosted service: it reconciles from host start to host stop. An
    /// <c>ILockBackend</c>, and an <c>IKubernetes</c> (with its <c>EventRecorder</c>, see <c>AddKubernetesClient</c>) must be
    /// registered too (or an <see cref="IMultiClusterLeaseStore"/> instead of the <c>IKubernetes</c>); events go to Kubernetes unless another <see cref="ILeaseEventSink"/> was registered first. Metrics
    /// (<see cref="ElectionMetrics"/>) are recorded when an <c>IMeterFactory</c> is registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddElectionController(this IServiceCollection services, Action<ElectionOptions>? configure = null)
    {
        services.AddElectionControllerServices(configure);
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ElectionController>());
        return services;
    }

    /// <summary>
    /// Adds the <see cref="ElectionController"/> and what it needs, like <see cref="AddElectionController"/>, but not as a
    /// hosted service: the caller decides when it reconciles by calling <see cref="ElectionController.RunAsync"/>, e.g. only
    /// while this replica holds its leader-election lease.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddElectionControllerServices(this IServiceCollection services, Action<ElectionOptions>? configure = null)
    {
        var options = services.AddOptions<ElectionOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILeaseEventSink, KubernetesEventSink>();
        services.TryAddSingleton<IMultiClusterLeaseStore>(sp => new KubernetesMultiClusterLeaseStore(sp.GetRequiredService<IKubernetes>()));
        services.TryAddSingleton<ElectionController>();
        return services;
    }
}
