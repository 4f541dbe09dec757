using System.Net.Sockets;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;

namespace MultiClusterLease.Kubernetes.Connection;

/// <summary>
/// Builds the official client's <see cref="KubernetesClientConfiguration"/> the way <c>kubectl</c> chooses one: an
/// explicit kubeconfig, else <c>KUBECONFIG</c>, else the pod's service account, else <c>~/.kube/config</c>; exec
/// credential plugins (e.g. <c>gke-gcloud-auth-plugin</c>) and client certificates are the official client's. It adds
/// two things the official client lacks: a kubeconfig user's <c>tokenFile</c> (client-go reads it; the official C#
/// client rejects such a user), plugged in as its <see cref="TokenFileAuth"/> token provider; and errors that name the
/// file, the context and the fix.
/// </summary>
public static class KubernetesConnection
{
    /// <summary>Builds the configuration.</summary>
    /// <param name="options">Where to look; user agent and timeout.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">No usable configuration: the message names the file, the context and the fix.</exception>
    public static KubernetesClientConfiguration Load(KubernetesConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = Load(options.KubeconfigPath, options.Context);
        config.UserAgent = options.UserAgent;
        config.HttpClientTimeout = options.RequestTimeout;
        return config;
    }

    /// <summary>Builds the configuration from an explicit kubeconfig, <c>KUBECONFIG</c>, the pod's service account, or <c>~/.kube/config</c>.</summary>
    /// <param name="kubeconfigPath">An explicit kubeconfig file, or <see langword="null"/>.</param>
    /// <param name="context">The kubeconfig context, or <see langword="null"/> for the file's current context.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubernetesConfigurationException">No usable configuration: the message names the file, the context and the fix.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath, string? context)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (kubeconfigPath is null && string.IsNullOrEmpty(fromEnvironment) && context is null && KubernetesClientConfiguration.IsInCluster())
        {
            try
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }
            catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException)
            {
                throw new KubernetesConfigurationException(
                    $"in-cluster configuration: {ex.Message}. Fix: mount the pod's service account token (automountServiceAccountToken: true), or pass --kubeconfig.", ex);
            }
        }

        var files = kubeconfigPath is not null
            ? [kubeconfigPath]
            : !string.IsNullOrEmpty(fromEnvironment)
                ? fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : new[] { KubernetesClientConfiguration.KubeConfigDefaultLocation };
        var where = $"kubeconfig {string.Join(Path.PathSeparator, files)}";
        var missing = files.Where(f => !File.Exists(f)).ToList();
        if (missing.Count == files.Length)
        {
            throw new KubernetesConfigurationException(
                $"{where}: file not found. Fix: pass --kubeconfig with an existing file, set KUBECONFIG, or run in a pod with a service account.");
        }

        var contextText = context is null ? "current-context" : $"context '{context}'";
        try
        {
            // Of several KUBECONFIG files the first that exists is read (the official client does not merge files publicly).
            var file = files.First(File.Exists);
            var kubeconfig = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file));
            var chosen = context ?? kubeconfig.CurrentContext;
            if (string.IsNullOrEmpty(chosen))
            {
                throw new KubernetesConfigurationException($"{where}: no current-context is set. Fix: pass --context NAME, or run 'kubectl config use-context NAME'.");
            }

            var contextEntry = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == chosen);
            if (contextEntry is null)
            {
                var known = string.Join(", ", kubeconfig.Contexts?.Select(c => c.Name) ?? []);
                throw new KubernetesConfigurationException(
                    $"{where}: context '{chosen}' not found (contexts: {(known.Length == 0 ? "none" : known)}). Fix: pass --context with one of them, or 'kubectl config get-contexts' to list them.");
            }

            contextText = $"context '{chosen}'";
            var tokenFile = UseTokenFile(kubeconfig, contextEntry, file);
            var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, chosen);
            if (tokenFile is not null)
            {
                config.AccessToken = null;
                config.TokenProvider = new TokenFileAuth(tokenFile);
            }

            return config;
        }
        catch (KubernetesConfigurationException)
        {
            throw;
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new KubernetesConfigurationException(
                $"{where}, {contextText}: {ex.Message}. Fix: check the file with 'kubectl --kubeconfig {files[0]} {(context is null ? "" : $"--context {context} ")}get multiclusterleases', or pass --kubeconfig/--context naming a working one.", ex);
        }
    }

    /// <summary>Tells whether an error means the API server could not be reached (as opposed to an answer).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The answer.</returns>
    public static bool IsUnreachable(Exception exception)
        => exception is HttpRequestException or SocketException or TaskCanceledException { InnerException: TimeoutException };

    /// <summary>
    /// When the context's user has a <c>tokenFile</c> and no other credential, gives the official client a placeholder
    /// token so that it accepts the user, and returns the file (the caller installs <see cref="TokenFileAuth"/>).
    /// </summary>
    private static string? UseTokenFile(K8SConfiguration kubeconfig, Context context, string file)
    {
        var userName = context.ContextDetails?.User;
        var user = kubeconfig.Users?.FirstOrDefault(u => u.Name == userName);
        if (user is null || !string.IsNullOrEmpty(user.UserCredentials?.Token) || user.UserCredentials?.ExternalExecution is not null)
        {
            return null;
        }

        var raw = new DeserializerBuilder().IgnoreUnmatchedProperties().Build().Deserialize<RawKubeconfig>(File.ReadAllText(file));
        var tokenFile = raw?.Users?.FirstOrDefault(u => u.Name == userName)?.User?.TokenFile;
        if (!string.IsNullOrEmpty(tokenFile))
        {
            var path = Path.IsPathRooted(tokenFile) ? tokenFile : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, tokenFile);
            if (!File.Exists(path))
            {
                throw new KubernetesConfigurationException(
                    $"kubeconfig {file}, context '{context.Name}': the tokenFile {path} of user '{userName}' does not exist. Fix: create it, or point tokenFile at the file holding the bearer token.");
            }

            user.UserCredentials ??= new UserCredentials();
            user.UserCredentials.Token = "token-file";
            return path;
        }

        return null;
    }

    private sealed class RawKubeconfig
    {
        [YamlMember(Alias = "users")] public List<RawUser>? Users { get; set; }
    }

    private sealed class RawUser
    {
        [YamlMember(Alias = "name")] public string? Name { get; set; }

        [YamlMember(Alias = "user")] public RawCredentials? User { get; set; }
    }

    private sealed class RawCredentials
    {
        [YamlMember(Alias = "tokenFile")] public string? TokenFile { get; set; }
    }
}
