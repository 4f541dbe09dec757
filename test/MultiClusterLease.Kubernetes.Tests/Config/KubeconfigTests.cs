using System.Text;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.Config;

public sealed class KubeconfigTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Reads_token_ca_data_server_and_namespace_of_the_current_context()
    {
        using var ca = TestCertificates.CreateCa();
        var path = dir.Write("config", $"""
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster:
                server: https://dev.example:6443
                certificate-authority-data: {TestCertificates.Base64(ca.ExportCertificatePem())}
                tls-server-name: api.dev.internal
            users:
            - name: dev-user
              user:
                token: secret-token
            contexts:
            - name: dev
              context:
                cluster: dev-cluster
                user: dev-user
                namespace: team-a
            """);

        var config = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.Equal(new Uri("https://dev.example:6443"), config.Server);
        Assert.Equal("team-a", config.Namespace);
        Assert.Equal("secret-token", config.Token);
        Assert.Equal("api.dev.internal", config.TlsServerName);
        Assert.Equal("dev", config.ContextName);
        var authority = Assert.Single(config.CertificateAuthorities!);
        Assert.Equal(ca.Thumbprint, authority.Thumbprint);
        Assert.Null(config.ClientCertificate);
        Assert.Null(config.Exec);
    }

    [Fact]
    public void Reads_client_certificate_and_key_data_into_a_certificate_with_its_private_key()
    {
        var (certificate, certPem, keyPem) = TestCertificates.CreateClient();
        using var _ = certificate;
        var path = dir.Write("config", $$$"""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", insecure-skip-tls-verify: true}}]
            users:
            - name: u
              user:
                client-certificate-data: {{{TestCertificates.Base64(certPem)}}}
                client-key-data: {{{TestCertificates.Base64(keyPem)}}}
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """);

        var config = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.NotNull(config.ClientCertificate);
        Assert.True(config.ClientCertificate.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint, config.ClientCertificate.Thumbprint);
        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Equal("default", config.Namespace);
    }

    [Fact]
    public void Resolves_relative_files_against_the_kubeconfig_directory()
    {
        using var ca = TestCertificates.CreateCa();
        var (certificate, certPem, keyPem) = TestCertificates.CreateClient();
        using var _ = certificate;
        dir.Write("sub/pki/ca.crt", ca.ExportCertificatePem());
        dir.Write("sub/pki/user.crt", certPem);
        dir.Write("sub/pki/user.key", keyPem);
        var path = dir.Write("sub/config", """
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://k:443", certificate-authority: pki/ca.crt}
            users:
            - name: u
              user: {client-certificate: pki/user.crt, client-key: pki/user.key, tokenFile: pki/token}
            contexts:
            - name: c
              context: {cluster: k, user: u}
            """);

        var config = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.Equal(ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal(certificate.Thumbprint, config.ClientCertificate!.Thumbprint);
        Assert.Equal(Path.Combine(dir.Path, "sub", "pki", "token"), config.TokenFile);
    }

    [Fact]
    public void A_named_context_selects_its_own_cluster_user_and_namespace()
    {
        var path = dir.Write("config", TwoContexts);

        var current = KubernetesClientConfiguration.FromKubeconfig(path);
        var named = KubernetesClientConfiguration.FromKubeconfig(path, "b");

        Assert.Equal("a", current.Server.Host);
        Assert.Equal("token-a", current.Token);
        Assert.Equal("b", named.Server.Host);
        Assert.Equal("token-b", named.Token);
        Assert.Equal("ns-b", named.Namespace);
    }

    [Fact]
    public void A_missing_context_names_the_file_and_the_available_contexts()
    {
        var path = dir.Write("config", TwoContexts);

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path, "nope"));

        Assert.Contains("context 'nope' not found", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("available: a, b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_errors_are_explicit()
    {
        var noCurrent = dir.Write("nocurrent", TwoContexts.Replace("current-context: a", "", StringComparison.Ordinal));
        var badUser = dir.Write("baduser", TwoContexts.Replace("user: ua", "user: ghost", StringComparison.Ordinal));

        Assert.Contains("No context given", Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(noCurrent)).Message, StringComparison.Ordinal);
        Assert.Contains("user 'ghost' of context 'a' not found", Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(badUser)).Message, StringComparison.Ordinal);
        Assert.Contains("not found", Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(Path.Combine(dir.Path, "absent"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KUBECONFIG_merge_first_file_wins_for_each_name_and_for_current_context()
    {
        var first = dir.Write("one", """
            current-context: x
            clusters:
            - name: shared
              cluster: {server: "https://first:443"}
            users:
            - name: u1
              user: {token: t1}
            contexts:
            - name: x
              context: {cluster: shared, user: u1}
            """);
        var second = dir.Write("two", """
            current-context: y
            clusters:
            - name: shared
              cluster: {server: "https://second:443"}
            - name: only-second
              cluster: {server: "https://only-second:443"}
            users:
            - name: u1
              user: {token: ignored}
            - name: u2
              user: {username: admin, password: pw}
            contexts:
            - name: y
              context: {cluster: shared, user: u2}
            - name: z
              context: {cluster: only-second, user: u1}
            """);
        var env = Env(("KUBECONFIG", $"{first}{Path.PathSeparator}{Path.Combine(dir.Path, "missing")}{Path.PathSeparator}{second}"));

        var current = KubernetesClientConfiguration.Load(null, null, env, dir.Path, dir.Path);
        var y = KubernetesClientConfiguration.Load(null, "y", env, dir.Path, dir.Path);
        var z = KubernetesClientConfiguration.Load(null, "z", env, dir.Path, dir.Path);

        Assert.Equal("x", current.ContextName);
        Assert.Equal("https://first/", current.Server.AbsoluteUri);
        Assert.Equal("t1", current.Token);
        Assert.Equal("https://first/", y.Server.AbsoluteUri); // cluster "shared" comes from the first file
        Assert.Equal(("admin", "pw"), (y.Username, y.Password));
        Assert.Equal("https://only-second/", z.Server.AbsoluteUri);
        Assert.Equal("t1", z.Token); // user "u1" comes from the first file
    }

    [Fact]
    public void Load_prefers_explicit_path_then_KUBECONFIG_then_in_cluster_then_home_config()
    {
        var home = dir.Write("home/.kube/config", TwoContexts);
        var explicitPath = dir.Write("explicit", TwoContexts.Replace("https://a:443", "https://explicit:443", StringComparison.Ordinal));
        var fromEnv = dir.Write("env", TwoContexts.Replace("https://a:443", "https://env:443", StringComparison.Ordinal));
        var sa = Path.Combine(dir.Path, "sa");
        dir.Write("sa/token", "sa-token\n");
        var homeDir = Path.Combine(dir.Path, "home");
        var inCluster = Env(("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("KUBERNETES_SERVICE_PORT", "443"));
        var all = Env(("KUBECONFIG", fromEnv), ("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("KUBERNETES_SERVICE_PORT", "443"));

        Assert.Equal("explicit", KubernetesClientConfiguration.Load(explicitPath, null, all, homeDir, sa).Server.Host);
        Assert.Equal("env", KubernetesClientConfiguration.Load(null, null, all, homeDir, sa).Server.Host);
        Assert.Equal("10.0.0.1", KubernetesClientConfiguration.Load(null, null, inCluster, homeDir, sa).Server.Host);
        Assert.Equal("b", KubernetesClientConfiguration.Load(null, "b", inCluster, homeDir, sa).Server.Host); // a context means a kubeconfig
        Assert.Equal("a", KubernetesClientConfiguration.Load(null, null, Env(), homeDir, sa).Server.Host);
        Assert.Equal(home, Path.Combine(homeDir, ".kube", "config"));
        var none = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.Load(null, null, Env(), Path.Combine(dir.Path, "nohome"), sa));
        Assert.Contains("KUBECONFIG", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_an_exec_plugin_and_resolves_a_relative_command_path()
    {
        var path = dir.Write("kube/config", """
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://k:443"}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/plugin
                  args: [--flag, value]
                  env:
                  - {name: FOO, value: bar}
                  provideClusterInfo: true
                  interactiveMode: Never
                  installHint: install it
            contexts:
            - name: c
              context: {cluster: k, user: u}
            """);

        var exec = KubernetesClientConfiguration.FromKubeconfig(path).Exec;

        Assert.NotNull(exec);
        Assert.Equal("client.authentication.k8s.io/v1", exec.ApiVersion);
        Assert.Equal(Path.Combine(dir.Path, "kube", "bin", "plugin"), exec.Command);
        Assert.Equal(["--flag", "value"], exec.Args);
        Assert.Equal("bar", exec.Env["FOO"]);
        Assert.True(exec.ProvideClusterInfo);
        Assert.Equal("install it", exec.InstallHint);
    }

    [Fact]
    public void In_cluster_reads_server_namespace_and_ca_from_the_service_account_directory()
    {
        using var ca = TestCertificates.CreateCa();
        dir.Write("token", "t");
        dir.Write("namespace", "kube-system\n");
        dir.Write("ca.crt", ca.ExportCertificatePem());

        var config = KubernetesClientConfiguration.InCluster("fd00::1", "6443", dir.Path);

        Assert.Equal("https://[fd00::1]:6443/", config.Server.AbsoluteUri);
        Assert.Equal("kube-system", config.Namespace);
        Assert.Equal(Path.Combine(dir.Path, "token"), config.TokenFile);
        Assert.Equal(ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.InCluster(null, null, dir.Path));
    }

    internal static Func<string, string?> Env(params (string Name, string Value)[] values)
        => name => values.FirstOrDefault(v => v.Name == name).Value;

    private const string TwoContexts = """
        apiVersion: v1
        kind: Config
        current-context: a
        clusters:
        - name: ka
          cluster: {server: "https://a:443"}
        - name: kb
          cluster: {server: "https://b:443"}
        users:
        - name: ua
          user: {token: token-a}
        - name: ub
          user: {token: token-b}
        contexts:
        - name: a
          context: {cluster: ka, user: ua}
        - name: b
          context: {cluster: kb, user: ub, namespace: ns-b}
        preferences: {}
        """;
}
