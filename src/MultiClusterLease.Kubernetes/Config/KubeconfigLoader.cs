using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace MultiClusterLease.Kubernetes.Config;

/// <summary>
/// Reads kubeconfig files (<c>kind: Config</c>, <c>apiVersion: v1</c>) into a <see cref="KubernetesClientConfiguration"/>:
/// merges several files the way <c>KUBECONFIG</c> does and resolves relative paths against the file that named them.
/// </summary>
internal static class KubeconfigLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    /// <summary>Reads and merges <paramref name="paths"/> and picks <paramref name="context"/> (or the current context).</summary>
    /// <param name="paths">The files, in order of precedence.</param>
    /// <param name="context">The context name, or <see langword="null"/>.</param>
    /// <param name="requireAll">Whether a missing file is an error (an explicit path) or skipped (a <c>KUBECONFIG</c> entry).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">Missing or invalid files, context, cluster or user.</exception>
    public static KubernetesClientConfiguration Load(IReadOnlyList<string> paths, string? context, bool requireAll)
    {
        var clusters = new Dictionary<string, (KubeconfigCluster Value, string File)>(StringComparer.Ordinal);
        var users = new Dictionary<string, (KubeconfigUser Value, string File)>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, (KubeconfigContext Value, string File)>(StringComparer.Ordinal);
        string? currentContext = null;
        var files = new List<string>();
        foreach (var rawPath in paths)
        {
            var path = Path.GetFullPath(ExpandHome(rawPath));
            if (!File.Exists(path))
            {
                if (requireAll)
                {
                    throw new KubernetesConfigurationException($"kubeconfig file {path} not found: check the path given or KUBECONFIG.");
                }

                continue;
            }

            files.Add(path);
            var file = Parse(path);
            foreach (var entry in file.Clusters ?? [])
            {
                if (!string.IsNullOrEmpty(entry.Name) && entry.Cluster is not null)
                {
                    clusters.TryAdd(entry.Name, (entry.Cluster, path));
                }
            }

            foreach (var entry in file.Users ?? [])
            {
                if (!string.IsNullOrEmpty(entry.Name))
                {
                    users.TryAdd(entry.Name, (entry.User ?? new KubeconfigUser(), path));
                }
            }

            foreach (var entry in file.Contexts ?? [])
            {
                if (!string.IsNullOrEmpty(entry.Name) && entry.Context is not null)
                {
                    contexts.TryAdd(entry.Name, (entry.Context, path));
                }
            }

            if (string.IsNullOrEmpty(currentContext) && !string.IsNullOrEmpty(file.CurrentContext))
            {
                currentContext = file.CurrentContext;
            }
        }

        if (files.Count == 0)
        {
            throw new KubernetesConfigurationException(
                $"None of the kubeconfig files {string.Join(", ", paths)} exists: check KUBECONFIG.");
        }

        var where = string.Join(", ", files);
        var available = contexts.Count == 0 ? "none" : string.Join(", ", contexts.Keys.Order(StringComparer.Ordinal));
        var contextName = string.IsNullOrEmpty(context) ? currentContext : context;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubernetesConfigurationException(
                $"No context given and no current-context set in {where}; pass a context name or run 'kubectl config use-context NAME' (available: {available}).");
        }

        if (!contexts.TryGetValue(contextName, out var ctx))
        {
            throw new KubernetesConfigurationException($"context '{contextName}' not found in {where}; available: {available}.");
        }

        if (string.IsNullOrEmpty(ctx.Value.Cluster) || !clusters.TryGetValue(ctx.Value.Cluster, out var cluster))
        {
            throw new KubernetesConfigurationException(
                $"cluster '{ctx.Value.Cluster}' of context '{contextName}' not found in {where}; available clusters: {string.Join(", ", clusters.Keys)}.");
        }

        if (string.IsNullOrEmpty(cluster.Value.Server) || !Uri.TryCreate(cluster.Value.Server, UriKind.Absolute, out var server))
        {
            throw new KubernetesConfigurationException(
                $"cluster '{ctx.Value.Cluster}' in {cluster.File} has no valid server URL ('{cluster.Value.Server}').");
        }

        var user = (Value: new KubeconfigUser(), File: ctx.File);
        if (!string.IsNullOrEmpty(ctx.Value.User) && !users.TryGetValue(ctx.Value.User, out user))
        {
            throw new KubernetesConfigurationException(
                $"user '{ctx.Value.User}' of context '{contextName}' not found in {where}; available users: {string.Join(", ", users.Keys)}.");
        }

        return Build(contextName, ctx.Value, cluster.Value, cluster.File, user.Value, user.File, server);
    }

    private static KubernetesClientConfiguration Build(
        string contextName, KubeconfigContext context, KubeconfigCluster cluster, string clusterFile, KubeconfigUser user, string userFile, Uri server)
    {
        var clusterWhere = $"cluster of context '{contextName}' in {clusterFile}";
        var userWhere = $"user '{context.User}' in {userFile}";
        var caBytes = ReadData(cluster.CertificateAuthorityData, cluster.CertificateAuthority, clusterFile, clusterWhere + ": certificate-authority");

        System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null;
        var certBytes = ReadData(user.ClientCertificateData, user.ClientCertificate, userFile, userWhere + ": client-certificate");
        var keyBytes = ReadData(user.ClientKeyData, user.ClientKey, userFile, userWhere + ": client-key");
        if (certBytes is not null || keyBytes is not null)
        {
            if (certBytes is null || keyBytes is null)
            {
                throw new KubernetesConfigurationException($"{userWhere}: client-certificate and client-key must be given together.");
            }

            clientCertificate = CertificateLoader.LoadClientCertificate(Encoding.UTF8.GetString(certBytes), Encoding.UTF8.GetString(keyBytes), userWhere);
        }

        ExecCredentialSettings? exec = null;
        if (user.Exec is { } e)
        {
            if (string.IsNullOrEmpty(e.Command) || string.IsNullOrEmpty(e.ApiVersion))
            {
                throw new KubernetesConfigurationException($"{userWhere}: exec needs both 'command' and 'apiVersion'.");
            }

            var command = e.Command;
            if (!Path.IsPathRooted(command) && (command.Contains('/', StringComparison.Ordinal) || command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                command = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(userFile)!, command));
            }

            exec = new ExecCredentialSettings
            {
                ApiVersion = e.ApiVersion,
                Command = command,
                Args = e.Args ?? [],
                Env = (e.Env ?? []).Where(v => !string.IsNullOrEmpty(v.Name)).GroupBy(v => v.Name!).ToDictionary(g => g.Key, g => g.Last().Value ?? ""),
                ProvideClusterInfo = e.ProvideClusterInfo,
                InstallHint = e.InstallHint,
            };
        }

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(context.Namespace) ? "default" : context.Namespace,
            CertificateAuthorities = caBytes is null ? null : CertificateLoader.LoadCertificates(caBytes, clusterWhere + ": certificate-authority"),
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = string.IsNullOrEmpty(cluster.TlsServerName) ? null : cluster.TlsServerName,
            ClientCertificate = clientCertificate,
            Token = string.IsNullOrEmpty(user.Token) ? null : user.Token,
            TokenFile = string.IsNullOrEmpty(user.TokenFile) ? null : Resolve(userFile, user.TokenFile),
            Username = string.IsNullOrEmpty(user.Username) ? null : user.Username,
            Password = user.Password,
            Exec = exec,
            ContextName = contextName,
            Source = $"kubeconfig {clusterFile}, context '{contextName}'",
        };
    }

    private static KubeconfigFile Parse(string path)
    {
        try
        {
            return Deserializer.Deserialize<KubeconfigFile?>(File.ReadAllText(path)) ?? new KubeconfigFile();
        }
        catch (YamlException ex)
        {
            throw new KubernetesConfigurationException($"kubeconfig file {path} is not a valid kubeconfig: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new KubernetesConfigurationException($"kubeconfig file {path} cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Reads inline base64 data, or else the named file (relative to the kubeconfig's directory).</summary>
    private static byte[]? ReadData(string? base64, string? file, string kubeconfigFile, string what)
    {
        if (!string.IsNullOrEmpty(base64))
        {
            try
            {
                return Convert.FromBase64String(base64.Trim());
            }
            catch (FormatException ex)
            {
                throw new KubernetesConfigurationException($"{what}-data is not valid base64.", ex);
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        var path = Resolve(kubeconfigFile, file);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"{what}: cannot read {path}: {ex.Message}", ex);
        }
    }

    private static string Resolve(string kubeconfigFile, string path)
    {
        path = ExpandHome(path);
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(kubeconfigFile)!, path));
    }

    private static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return home + path[1..];
        }

        return path;
    }
}

// The kubeconfig YAML shape (k8s.io/client-go/tools/clientcmd/api/v1), only the fields used here.
/// <summary>A kubeconfig file.</summary>
internal sealed class KubeconfigFile
{
    [YamlMember(Alias = "current-context")] public string? CurrentContext { get; set; }

    [YamlMember(Alias = "clusters")] public List<NamedCluster>? Clusters { get; set; }

    [YamlMember(Alias = "users")] public List<NamedUser>? Users { get; set; }

    [YamlMember(Alias = "contexts")] public List<NamedContext>? Contexts { get; set; }
}

/// <summary>A named cluster.</summary>
internal sealed class NamedCluster
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }

    [YamlMember(Alias = "cluster")] public KubeconfigCluster? Cluster { get; set; }
}

/// <summary>A cluster.</summary>
internal sealed class KubeconfigCluster
{
    [YamlMember(Alias = "server")] public string? Server { get; set; }

    [YamlMember(Alias = "certificate-authority")] public string? CertificateAuthority { get; set; }

    [YamlMember(Alias = "certificate-authority-data")] public string? CertificateAuthorityData { get; set; }

    [YamlMember(Alias = "insecure-skip-tls-verify")] public bool InsecureSkipTlsVerify { get; set; }

    [YamlMember(Alias = "tls-server-name")] public string? TlsServerName { get; set; }
}

/// <summary>A named user.</summary>
internal sealed class NamedUser
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }

    [YamlMember(Alias = "user")] public KubeconfigUser? User { get; set; }
}

/// <summary>A user's credentials.</summary>
internal sealed class KubeconfigUser
{
    [YamlMember(Alias = "token")] public string? Token { get; set; }

    [YamlMember(Alias = "tokenFile")] public string? TokenFile { get; set; }

    [YamlMember(Alias = "client-certificate")] public string? ClientCertificate { get; set; }

    [YamlMember(Alias = "client-certificate-data")] public string? ClientCertificateData { get; set; }

    [YamlMember(Alias = "client-key")] public string? ClientKey { get; set; }

    [YamlMember(Alias = "client-key-data")] public string? ClientKeyData { get; set; }

    [YamlMember(Alias = "username")] public string? Username { get; set; }

    [YamlMember(Alias = "password")] public string? Password { get; set; }

    [YamlMember(Alias = "exec")] public KubeconfigExec? Exec { get; set; }
}

/// <summary>An exec credential plugin.</summary>
internal sealed class KubeconfigExec
{
    [YamlMember(Alias = "apiVersion")] public string? ApiVersion { get; set; }

    [YamlMember(Alias = "command")] public string? Command { get; set; }

    [YamlMember(Alias = "args")] public List<string>? Args { get; set; }

    [YamlMember(Alias = "env")] public List<KubeconfigEnvVar>? Env { get; set; }

    [YamlMember(Alias = "provideClusterInfo")] public bool ProvideClusterInfo { get; set; }

    [YamlMember(Alias = "installHint")] public string? InstallHint { get; set; }
}

/// <summary>An environment variable of an exec plugin.</summary>
internal sealed class KubeconfigEnvVar
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }

    [YamlMember(Alias = "value")] public string? Value { get; set; }
}

/// <summary>A named context.</summary>
internal sealed class NamedContext
{
    [YamlMember(Alias = "name")] public string? Name { get; set; }

    [YamlMember(Alias = "context")] public KubeconfigContext? Context { get; set; }
}

/// <summary>A context: cluster, user and namespace.</summary>
internal sealed class KubeconfigContext
{
    [YamlMember(Alias = "cluster")] public string? Cluster { get; set; }

    [YamlMember(Alias = "user")] public string? User { get; set; }

    [YamlMember(Alias = "namespace")] public string? Namespace { get; set; }
}
