using System.Diagnostics.Metrics;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.Events;
using MultiClusterLease.Kubernetes.Http;

namespace MultiClusterLease.Kubernetes.DependencyInjection;

/// <summary>Registers the official Kubernetes client and the <see cref="EventRecorder"/>.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers, unless already registered, a <see cref="KubernetesClientConfiguration"/> chosen by
    /// <see cref="KubernetesConnection.Load(KubernetesConnectionOptions)"/> (explicit kubeconfig, <c>KUBECONFIG</c>,
    /// in-cluster, <c>~/.kube/config</c>) and one shared <see cref="IKubernetes"/> built from it, with
    /// <see cref="KubernetesApiMetrics"/> in its pipeline when an <see cref="IMeterFactory"/> is registered; and an
    /// <see cref="EventRecorder"/>. An <see cref="IKubernetes"/> registered before is used as it is.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets where to find the cluster; <see langword="null"/> = defaults.</param>
    /// <returns>The services.</returns>
    /// <remarks>Resolving the configuration throws <see cref="KubernetesConfigurationException"/> when none is usable.</remarks>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services, Action<KubernetesConnectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KubernetesConnectionOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => KubernetesConnection.Load(sp.GetRequiredService<IOptions<KubernetesConnectionOptions>>().Value));
        services.TryAddSingleton<IKubernetes>(sp =>
        {
            var config = sp.GetRequiredService<KubernetesClientConfiguration>();
            return sp.GetService<IMeterFactory>() is { } meters ? new k8s.Kubernetes(config, new KubernetesApiMetrics(meters)) : new k8s.Kubernetes(config);
        });
        services.TryAddSingleton(sp => new EventRecorderOptions
        {
            Component = sp.GetRequiredService<IOptions<KubernetesConnectionOptions>>().Value.EventSourceComponent,
        });
        services.TryAddSingleton(sp => new EventRecorder(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<EventRecorderOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<EventRecorder>>()));
        return services;
    }
}
