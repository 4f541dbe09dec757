using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

/// <summary>Starts one fake API server (with the project's CRDs) per test.</summary>
public abstract class ServerTestBase : IAsyncLifetime
{
    protected FakeKubernetesApiServer Server { get; private set; } = null!;

    internal ApiClient Api { get; private set; } = null!;

    protected virtual FakeKubernetesApiServerOptions Options => new() { ClusterName = "test" };

    public async Task InitializeAsync()
    {
        Server = await FakeKubernetesApiServer.StartAsync(Options);
        Api = new ApiClient(Server);
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
    }
}
