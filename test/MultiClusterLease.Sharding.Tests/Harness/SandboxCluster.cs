using k8s;
using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Sharding.Tests.Harness;

/// <summary>One fake API server, reached through the official client; every client names its caller in the User-Agent,
/// so faults can target one peer.</summary>
internal sealed class SandboxCluster : IAsyncDisposable
{
    private SandboxCluster(FakeKubernetesApiServer server) => Server = server;

    public FakeKubernetesApiServer Server { get; }

    public static async Task<SandboxCluster> StartAsync(string name = "sandbox", int seed = 0) =>
        new(await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions { ClusterName = name, Faults = new Sandbox.Faults.FaultInjector(seed) }));

    public IKubernetes Client(string caller) =>
        new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.BaseAddress.ToString() }, new CallerHandler(caller));

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private sealed class CallerHandler(string caller) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", $"sharding-test/{caller}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
