using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.Kubernetes.Events;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.DependencyInjection;

public sealed class KubernetesServiceCollectionExtensionsTests
{
    [Fact]
    public void Registers_a_lazily_loaded_configuration_the_client_and_the_event_recorder()
    {
        using var dir = new TempDirectory();
        var kubeconfig = dir.Write("config", """
            current-context: a
            clusters: [{name: k, cluster: {server: "https://a.example:6443"}}]
            users: [{name: u, user: {token: t}}]
            contexts:
            - {name: a, context: {cluster: k, user: u, namespace: team}}
            - {name: b, context: {cluster: k, user: u, namespace: other}}
            """);
        var services = new ServiceCollection().AddKubernetesApi(o =>
        {
            o.KubeconfigPath = kubeconfig;
            o.Context = "b";
            o.EventSourceComponent = "mcl-test";
        });

        using var provider = services.BuildServiceProvider();
        var configuration = provider.GetRequiredService<KubernetesClientConfiguration>();
        var api = provider.GetRequiredService<IKubernetesApi>();

        Assert.Equal(("a.example", "other", "b"), (configuration.Server.Host, configuration.Namespace, configuration.ContextName));
        Assert.Same(configuration, Assert.IsType<KubernetesApiClient>(api).Configuration);
        Assert.Same(api, provider.GetRequiredService<IKubernetesApi>());
        Assert.NotNull(provider.GetRequiredService<EventRecorder>());
        Assert.Equal("mcl-test", provider.GetRequiredService<EventRecorderOptions>().Component);
    }

    [Fact]
    public void A_configuration_error_surfaces_when_the_client_is_resolved()
    {
        var services = new ServiceCollection().AddKubernetesApi(o => o.KubeconfigPath = "/nonexistent/kubeconfig");

        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<KubernetesConfigurationException>(() => provider.GetRequiredService<IKubernetesApi>());
        Assert.Contains("/nonexistent/kubeconfig", error.Message, StringComparison.Ordinal);
    }
}
