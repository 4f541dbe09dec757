using System.Net;
using k8s;
using k8s.Exceptions;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.Connection;

/// <summary>What the configuration adds to the official client: tokenFile users and errors that say the fix.</summary>
public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ATokenFileUser_IsRejectedByTheOfficialClientAlone_AndAuthenticatesWithTheFilesToken()
    {
        var kubeconfig = Kubeconfig("""
            users:
            - name: u
              user:
                tokenFile: token
            """);
        _directory.Write("token", "secret-from-file\n");

        // The need: the official client does not know tokenFile and refuses such a user.
        Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));

        var config = KubernetesConnection.Load(kubeconfig, null);
        var capture = new CapturingHandler();
        using var client = new k8s.Kubernetes(config, capture);
        await client.CoreV1.ListNamespacedEventAsync("default");
        Assert.Equal("Bearer secret-from-file", capture.Authorization);
    }

    [Fact]
    public void AnUnknownContext_NamesTheFileTheContextAndTheFix()
    {
        var kubeconfig = Kubeconfig("""
            users:
            - name: u
              user:
                token: t
            """);
        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(kubeconfig, "prod"));
        Assert.Contains(kubeconfig, error.Message);
        Assert.Contains("context 'prod' not found", error.Message);
        Assert.Contains("(contexts: c)", error.Message);
        Assert.Contains("Fix:", error.Message);
    }

    [Fact]
    public void AMissingFile_NamesItAndTheFix()
    {
        var missing = System.IO.Path.Combine(_directory.Path, "nope");
        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(missing, null));
        Assert.Contains(missing, error.Message);
        Assert.Contains("--kubeconfig", error.Message);
    }

    [Fact]
    public void ABrokenUser_NamesTheFileAndTheContext()
    {
        var kubeconfig = Kubeconfig("""
            users:
            - name: u
              user: {}
            """);
        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(kubeconfig, null));
        Assert.Contains(kubeconfig, error.Message);
        Assert.Contains("context 'c'", error.Message);
        Assert.Contains("Fix:", error.Message);
    }

    private string Kubeconfig(string users) => _directory.Write("config", $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: k
          cluster:
            server: http://127.0.0.1:1
        contexts:
        - name: c
          context:
            cluster: k
            user: u
            namespace: default
        current-context: c
        {users}
        """);

    private sealed class CapturingHandler : DelegatingHandler
    {
        public string? Authorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("""{"apiVersion":"v1","kind":"EventList","items":[]}""") });
        }
    }
}
