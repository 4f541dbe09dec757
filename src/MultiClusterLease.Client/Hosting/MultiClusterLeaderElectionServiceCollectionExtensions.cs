using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using k8s;
using MultiClusterLease.Kubernetes.DependencyInjection;

namespace MultiClusterLease.Client.Hosting;

/// <summary>Registers multi-cluster leader election in a Generic Host.</summary>
public static class MultiClusterLeaderElectionServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="MultiClusterLeaseCandidate"/>, a <see cref="MultiClusterLeaderElector"/> and a hosted service that
    /// runs the elector for the life of the host and releases the lease when the host stops. Inject the elector and
    /// subscribe to <see cref="MultiClusterLeaderElector.StartedLeading"/> to run leader-only work. The candidate uses the
    /// <see cref="IKubernetes"/> registered in the container; when none is, one is registered from the standard
    /// configuration (in-cluster, else <c>KUBECONFIG</c> or <c>~/.kube/config</c>; see <c>AddKubernetesClient</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the candidate options (namespace, name, identity, timings).</param>
    /// <returns>The services.</returns>
    /// <exception cref="OptionsValidationException">At start-up, when the options are invalid.</exception>
    public static IServiceCollection AddMultiClusterLeaderElection(this IServiceCollection services, Action<MultiClusterLeaseCandidateOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (!services.Any(d => d.ServiceType == typeof(IKubernetes)))
        {
            services.AddKubernetesClient();
        }

        services.AddOptions<MultiClusterLeaseCandidateOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MultiClusterLeaseCandidateOptions>, CandidateOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MultiClusterLeaseCandidate(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<MultiClusterLeaseCandidateOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<MultiClusterLeaseCandidate>>()));
        services.TryAddSingleton(sp => new MultiClusterLeaderElector(
            sp.GetRequiredService<MultiClusterLeaseCandidate>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<MultiClusterLeaderElector>>()));
        services.AddHostedService<LeaderElectionHostedService>();
        return services;
    }

    private sealed class CandidateOptionsValidator : IValidateOptions<MultiClusterLeaseCandidateOptions>
    {
        public ValidateOptionsResult Validate(string? name, MultiClusterLeaseCandidateOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}

/// <summary>Runs the <see cref="MultiClusterLeaderElector"/> for the life of the host; stopping the host releases the lease.</summary>
internal sealed class LeaderElectionHostedService : BackgroundService
{
    private readonly MultiClusterLeaderElector _elector;

    public LeaderElectionHostedService(MultiClusterLeaderElector elector)
    {
        _elector = elector;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _elector.RunAsync(stoppingToken);
}
