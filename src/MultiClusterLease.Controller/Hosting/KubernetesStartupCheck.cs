using k8s;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Connection;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>
/// Checks at start-up that the Kubernetes configuration is usable and the API server answers, so that a bad kubeconfig,
/// an unknown context or an unreachable server stops the controller at once with a message naming the file, the
/// context and the fix, instead of a watch retrying forever.
/// </summary>
internal static class KubernetesStartupCheck
{
    /// <summary>How long the API server has to answer the start-up request.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Resolves the configuration and makes one small request (list one MultiClusterLease).</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="settings">The settings (for the message).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the API server answered (any answer counts: RBAC errors show in the watch).</returns>
    /// <exception cref="KubernetesConfigurationException">The configuration is unusable or the server cannot be reached.</exception>
    public static async Task RunAsync(IServiceProvider services, ControllerSettings settings, CancellationToken cancellationToken)
    {
        var config = services.GetRequiredService<KubernetesClientConfiguration>();
        var client = services.GetRequiredService<IKubernetes>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            if (string.IsNullOrEmpty(settings.Namespace))
            {
                await client.CustomObjects.ListCustomObjectForAllNamespacesAsync<V1Alpha1MultiClusterLeaseList>(
                    MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, MultiClusterLeaseApi.Plural, limit: 1, cancellationToken: timeout.Token);
            }
            else
            {
                await client.CustomObjects.ListNamespacedCustomObjectAsync<V1Alpha1MultiClusterLeaseList>(
                    MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, settings.Namespace, MultiClusterLeaseApi.Plural, limit: 1, cancellationToken: timeout.Token);
            }
        }
        catch (Exception ex) when (KubernetesConnection.IsUnreachable(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var file = settings.Kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG");
            var source = !string.IsNullOrEmpty(file) ? $"kubeconfig {file}"
                : settings.Context is null && KubernetesClientConfiguration.IsInCluster() ? "in-cluster configuration"
                : $"kubeconfig {KubernetesClientConfiguration.KubeConfigDefaultLocation}";
            var context = settings.Context is null ? "current-context" : $"context '{settings.Context}'";
            throw new KubernetesConfigurationException(
                $"{source}, {context}: the API server {config.Host} cannot be reached: {(ex is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.Message)}. "
                + "Fix: check that the cluster is running and reachable from here (kubectl cluster-info), or pass --kubeconfig/--context naming a reachable cluster.",
                ex);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // An answer (e.g. 403 or 404 before the CRD is installed): the server is reachable; the watch reports the rest.
        }
    }
}
