using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MultiClusterLease.Kubernetes.Config;

/// <summary>
/// Where the API server is and how to authenticate to it: read from a kubeconfig file (<see cref="FromKubeconfig"/>),
/// from a pod's service account (<see cref="InCluster(string?)"/>), or chosen the way <c>kubectl</c> does (<see cref="Load(string?, string?)"/>).
/// Immutable; <c>KubernetesApiClient</c> turns it into an HTTP pipeline. At most one of <see cref="Exec"/>,
/// <see cref="Token"/>, <see cref="TokenFile"/> and <see cref="Username"/> is used, in that order of preference;
/// <see cref="ClientCertificate"/> may be combined with any of them.
/// </summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The directory a pod's service account is mounted at: <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>How often a token file is re-read at most: 1 minute (bound service account tokens rotate).</summary>
    public static readonly TimeSpan TokenFileRefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>Gets the API server's base URL, e.g. <c>https://10.0.0.1:443</c>; a path in it is kept as a prefix.</summary>
    public required Uri Server { get; init; }

    /// <summary>Gets the default namespace: the context's, the service account's, or <c>default</c>.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>
    /// Gets the certificate authorities the server's certificate must chain to; the system trust store is then not
    /// used. <see langword="null"/> = the system trust store.
    /// </summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Gets whether the server's certificate is not checked at all (kubeconfig <c>insecure-skip-tls-verify</c>).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Gets the name the server's certificate must be valid for instead of the URL's host (<c>tls-server-name</c>).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Gets the TLS client certificate, with its private key, or <see langword="null"/>.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Gets a static bearer token, or <see langword="null"/>.</summary>
    public string? Token { get; init; }

    /// <summary>Gets a file holding the bearer token, re-read at most every <see cref="TokenFileRefreshInterval"/> and after a 401.</summary>
    public string? TokenFile { get; init; }

    /// <summary>Gets the user name for HTTP basic authentication, or <see langword="null"/>.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the password for HTTP basic authentication.</summary>
    public string? Password { get; init; }

    /// <summary>Gets the exec credential plugin, or <see langword="null"/>.</summary>
    public ExecCredentialSettings? Exec { get; init; }

    /// <summary>Gets the kubeconfig context this was read from; <see langword="null"/> in-cluster or when built by hand.</summary>
    public string? ContextName { get; init; }

    /// <summary>Gets where this came from, for messages: e.g. <c>kubeconfig /home/me/.kube/config, context prod</c> or <c>in-cluster</c>.</summary>
    public string Source { get; init; } = "explicit";

    /// <summary>
    /// Chooses a configuration the way <c>kubectl</c> and client-go do: <paramref name="kubeconfigPath"/> if given; else
    /// the files listed in <c>KUBECONFIG</c>; else the pod's service account when <c>KUBERNETES_SERVICE_HOST</c> and
    /// <c>KUBERNETES_SERVICE_PORT</c> are set (unless <paramref name="context"/> names a kubeconfig context); else
    /// <c>~/.kube/config</c>.
    /// </summary>
    /// <param name="kubeconfigPath">An explicit kubeconfig file, or <see langword="null"/>.</param>
    /// <param name="context">The kubeconfig context, or <see langword="null"/> for the current context.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">Nothing usable was found, or the chosen source is invalid.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath = null, string? context = null)
        => Load(kubeconfigPath, context, Environment.GetEnvironmentVariable, HomeDirectory(), DefaultServiceAccountDirectory);

    /// <summary>Reads one kubeconfig file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="context">The context, or <see langword="null"/> for the file's <c>current-context</c>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">The file, context, cluster, user or a file they name is missing or invalid.</exception>
    public static KubernetesClientConfiguration FromKubeconfig(string path, string? context = null)
        => KubeconfigLoader.Load([path], context, requireAll: true);

    /// <summary>
    /// Reads several kubeconfig files merged as <c>KUBECONFIG</c> merges them: for each cluster, user and context
    /// name the first file that defines it wins, and so does the first file that sets <c>current-context</c>.
    /// Missing files are skipped; at least one must exist.
    /// </summary>
    /// <param name="paths">The files, in order of precedence.</param>
    /// <param name="context">The context, or <see langword="null"/> for the merged <c>current-context</c>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">No file exists, or the merged configuration is invalid.</exception>
    public static KubernetesClientConfiguration FromKubeconfigFiles(IReadOnlyList<string> paths, string? context = null)
        => KubeconfigLoader.Load(paths, context, requireAll: false);

    /// <summary>
    /// Reads a pod's service account: server from <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c>,
    /// and <c>token</c> (re-read at most every minute and after a 401), <c>ca.crt</c> and <c>namespace</c> from
    /// <paramref name="serviceAccountDirectory"/>.
    /// </summary>
    /// <param name="serviceAccountDirectory">The mount directory; <see langword="null"/> for <see cref="DefaultServiceAccountDirectory"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">Not in a pod, or the token or CA is missing.</exception>
    public static KubernetesClientConfiguration InCluster(string? serviceAccountDirectory = null)
        => InCluster(
            Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"),
            Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"),
            serviceAccountDirectory ?? DefaultServiceAccountDirectory);

    /// <summary>Gets whether this process runs in a pod: <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c> are set.</summary>
    /// <returns><see langword="true"/> in a pod.</returns>
    public static bool IsInCluster()
        => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
        && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"));

    /// <summary>The logic of <see cref="Load(string?, string?)"/> with the environment, home and service account directory given.</summary>
    internal static KubernetesClientConfiguration Load(
        string? kubeconfigPath, string? context, Func<string, string?> environment, string? home, string serviceAccountDirectory)
    {
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            return KubeconfigLoader.Load([kubeconfigPath], context, requireAll: true);
        }

        var list = environment("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(list))
        {
            var paths = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return KubeconfigLoader.Load(paths, context, requireAll: false);
        }

        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (context is null && !string.IsNullOrEmpty(host) && !string.IsNullOrEmpty(port))
        {
            return InCluster(host, port, serviceAccountDirectory);
        }

        var defaultPath = home is null ? null : Path.Combine(home, ".kube", "config");
        if (defaultPath is not null && File.Exists(defaultPath))
        {
            return KubeconfigLoader.Load([defaultPath], context, requireAll: true);
        }

        throw new KubernetesConfigurationException(
            "No Kubernetes configuration found: pass a kubeconfig path, set KUBECONFIG, run in a pod "
            + $"(KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT), or create {defaultPath ?? "~/.kube/config"}.");
    }

    /// <summary>The logic of <see cref="InCluster(string?)"/> with the service host and port given.</summary>
    internal static KubernetesClientConfiguration InCluster(string? host, string? port, string directory)
    {
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubernetesConfigurationException(
                "Not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; use a kubeconfig instead.");
        }

        var tokenFile = Path.Combine(directory, "token");
        if (!File.Exists(tokenFile))
        {
            throw new KubernetesConfigurationException(
                $"In-cluster configuration: service account token {tokenFile} not found; check automountServiceAccountToken on the pod.");
        }

        var caFile = Path.Combine(directory, "ca.crt");
        var namespaceFile = Path.Combine(directory, "namespace");
        var ns = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : "";
        var hostPart = System.Net.IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = ns.Length == 0 ? "default" : ns,
            CertificateAuthorities = File.Exists(caFile) ? CertificateLoader.LoadCertificates(File.ReadAllBytes(caFile), caFile) : null,
            TokenFile = tokenFile,
            Source = $"in-cluster ({directory})",
        };
    }

    private static string? HomeDirectory()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return string.IsNullOrEmpty(home) ? null : home;
    }
}
