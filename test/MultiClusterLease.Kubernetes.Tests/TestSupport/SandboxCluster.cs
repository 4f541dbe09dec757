using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>A fake API server with the project's CRDs and an official client of it, per test.</summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private SandboxCluster(FakeKubernetesApiServer server, string kubeconfig)
    {
        Server = server;
        Kubeconfig = kubeconfig;
        Client = new k8s.Kubernetes(KubernetesConnection.Load(new KubernetesConnectionOptions { KubeconfigPath = kubeconfig, UserAgent = "kubernetes-tests" }));
    }

    public FakeKubernetesApiServer Server { get; }

    public string Kubeconfig { get; }

    public k8s.Kubernetes Client { get; }

    public static async Task<SandboxCluster> StartAsync(TimeSpan? bookmarkInterval = null)
    {
        var server = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions { ClusterName = "test", BookmarkInterval = bookmarkInterval ?? TimeSpan.FromSeconds(5) });
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mcl-k8s-tests-{Guid.NewGuid():N}.kubeconfig");
        SandboxKubeconfig.Write(path, [("test", server.BaseAddress, "default")], "test");
        return new SandboxCluster(server, path);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        File.Delete(Kubeconfig);
        _directory.Dispose();
    }
}
