using k8s;
using k8s.LeaderElection;
using KubeOps.Abstractions.Builder;
using KubeOps.Operator.LeaderElection;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;

namespace MultiClusterLease.KubeOpsSample;

/// <summary>
/// Builds KubeOps' <see cref="LeaderElector"/> over a <see cref="MultiClusterLeaseLock"/>: the <c>MultiClusterLease</c>
/// "OPERATOR-NAME-leader" in the operator's namespace (the name KubeOps gives its own Lease), with KubeOps' timings.
/// When the host stops, the lease is released so that another cluster's replica takes over without waiting for expiry.
/// </summary>
internal sealed class MultiClusterLeaderElectorFactory(
    IKubernetes client,
    KubernetesClientConfiguration cluster,
    OperatorSettings settings,
    ILoggerFactory loggerFactory) : ILeaderElectorFactory, IAsyncDisposable
{
    private MultiClusterLeaseLock? _lock;

    public LeaderElector CreateElector()
    {
        var options = new MultiClusterLeaseCandidateOptions
        {
            // The pod's namespace (downward API), else the service account's or the kubeconfig context's.
            Namespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? cluster.Namespace ?? "default",
            Name = $"{settings.Name}-leader",
            // Unique across clusters: KubeOps' default, the machine name, may repeat in another cluster.
            Identity = $"{Environment.MachineName}_{Guid.NewGuid():N}",
            LeaseDuration = settings.LeaderElectionLeaseDuration,
            RenewDeadline = settings.LeaderElectionRenewDeadline,
            RetryPeriod = settings.LeaderElectionRetryPeriod,
        };
        _lock = new MultiClusterLeaseLock(client, options, timeProvider: null, loggerFactory);
        return new LeaderElector(new LeaderElectionConfig(_lock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_lock is { } @lock)
        {
            // Writes only when this replica is the one asking in the CR.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await @lock.ReleaseAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // The API server did not answer in time: the lease expires instead.
            }

            await @lock.DisposeAsync();
        }
    }
}
