using System.Security.Cryptography.X509Certificates;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Tests.TestSupport;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Kubernetes.Tests.Client;

/// <summary>Real TLS over loopback: the configured CA is the only trust root; client certificates are presented.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Accepts_a_server_certificate_from_the_configured_CA_only()
    {
        using var ca = TestCertificates.CreateCa("cluster-ca");
        using var otherCa = TestCertificates.CreateCa("other-ca");
        using var serverCertificate = TestCertificates.CreateServer(ca);
        await using var server = new TlsTestServer(serverCertificate);

        using var trusting = Client(server.Url, ca);
        using var distrusting = Client(server.Url, otherCa);
        using var systemTrust = Client(server.Url, null);

        await trusting.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");
        await Assert.ThrowsAsync<HttpRequestException>(() => distrusting.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x"));
        await Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x"));
        Assert.Equal(1, server.Answered);
    }

    [Fact]
    public async Task Checks_the_certificate_against_tls_server_name_instead_of_the_url_host()
    {
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.CreateServer(ca, "api.internal", loopbackIp: false);
        await using var server = new TlsTestServer(serverCertificate);

        using var named = Client(server.Url, ca, tlsServerName: "api.internal");
        using var unnamed = Client(server.Url, ca);

        await named.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");
        await Assert.ThrowsAsync<HttpRequestException>(() => unnamed.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x"));
    }

    [Fact]
    public async Task Presents_the_client_certificate_and_honours_insecure_skip_tls_verify()
    {
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.CreateServer(ca);
        var (clientCertificate, certPem, keyPem) = TestCertificates.CreateClient();
        using var _ = clientCertificate;
        await using var server = new TlsTestServer(serverCertificate, askClientCertificate: true);
        var configuration = new KubernetesClientConfiguration
        {
            Server = server.Url,
            InsecureSkipTlsVerify = true,
            ClientCertificate = X509Certificate2.CreateFromPem(certPem, keyPem),
        };
        using var client = new KubernetesApiClient(configuration);

        await client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");

        Assert.Equal(clientCertificate.Thumbprint, server.ClientCertificateThumbprint);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the plugin is a bash script
    public async Task Presents_a_client_certificate_returned_by_an_exec_plugin()
    {
        using var dir = new TempDirectory();
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.CreateServer(ca);
        var (clientCertificate, certPem, keyPem) = TestCertificates.CreateClient("exec-user");
        using var _ = clientCertificate;
        dir.Write("cred.json", System.Text.Json.JsonSerializer.Serialize(new
        {
            apiVersion = "client.authentication.k8s.io/v1beta1",
            kind = "ExecCredential",
            status = new { clientCertificateData = certPem, clientKeyData = keyPem },
        }));
        var plugin = dir.Write("plugin", "#!/usr/bin/env bash\ncat \"$(dirname \"$0\")/cred.json\"\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        await using var server = new TlsTestServer(serverCertificate, askClientCertificate: true);
        var configuration = new KubernetesClientConfiguration
        {
            Server = server.Url,
            CertificateAuthorities = [X509CertificateLoader.LoadCertificate(ca.RawData)],
            Exec = new ExecCredentialSettings { ApiVersion = "client.authentication.k8s.io/v1beta1", Command = plugin },
        };
        using var client = new KubernetesApiClient(configuration);

        await client.GetAsync<Lease>(ResourceType.MultiClusterLeases, "ns", "x");

        Assert.Equal(clientCertificate.Thumbprint, server.ClientCertificateThumbprint);
    }

    private static KubernetesApiClient Client(Uri server, X509Certificate2? ca, string? tlsServerName = null)
        => new(new KubernetesClientConfiguration
        {
            Server = server,
            CertificateAuthorities = ca is null ? null : [X509CertificateLoader.LoadCertificate(ca.RawData)],
            TlsServerName = tlsServerName,
        });
}
