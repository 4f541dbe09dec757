using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Events;

namespace MultiClusterLease.Kubernetes.DependencyInjection;

/// <summary>Registers the Kubernetes API client.</summary>
public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons created on first use: <see cref="KubernetesClientConfiguration"/> (from
    /// <see cref="KubernetesClientOptions.KubeconfigPath"/> and <see cref="KubernetesClientOptions.Context"/> via
    /// <see cref="KubernetesClientConfiguration.Load(string?, string?)"/>, unless one is already registered),
    /// <see cref="IKubernetesApi"/> (a <see cref="KubernetesApiClient"/>, with <see cref="KubernetesApiMetrics"/> when an
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> is registered), <see cref="EventRecorderOptions"/> (component
    /// from <see cref="KubernetesClientOptions.EventSourceComponent"/>) and <see cref="EventRecorder"/>; and
    /// <see cref="TimeProvider.System"/> if no <see cref="TimeProvider"/> is registered. Existing registrations win.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the <see cref="KubernetesClientOptions"/>; may be <see langword="null"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>A configuration error surfaces as a <see cref="KubernetesConfigurationException"/> when the client is first resolved.</remarks>
    public static IServiceCollection AddKubernetesApi(this IServiceCollection services, Action<KubernetesClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KubernetesClientOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KubernetesClientOptions>>().Value;
            return KubernetesClientConfiguration.Load(options.KubeconfigPath, options.Context);
        });
        services.TryAddSingleton<IKubernetesApi>(sp => new KubernetesApiClient(
            sp.GetRequiredService<KubernetesClientConfiguration>(),
            sp.GetRequiredService<IOptions<KubernetesClientOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            transport: null,
            meterFactory: sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new EventRecorderOptions
        {
            Component = sp.GetRequiredService<IOptions<KubernetesClientOptions>>().Value.EventSourceComponent,
        });
        services.TryAddSingleton(sp => new EventRecorder(
            sp.GetRequiredService<IKubernetesApi>(),
            sp.GetRequiredService<EventRecorderOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<EventRecorder>>()));
        return services;
    }
}
