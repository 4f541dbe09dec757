namespace MultiClusterLease.Kubernetes.Config;

/// <summary>
/// A kubeconfig <c>user.exec</c> credential plugin (for example <c>gke-gcloud-auth-plugin</c>): a command that prints an
/// <c>ExecCredential</c> (<c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>) on standard output.
/// </summary>
public sealed class ExecCredentialSettings
{
    /// <summary>Gets the <c>ExecCredential</c> API version the plugin speaks, e.g. <c>client.authentication.k8s.io/v1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>
    /// Gets the command: a name looked up on <c>PATH</c>, or a path. A relative path containing a directory separator was
    /// already resolved against the kubeconfig file's directory.
    /// </summary>
    public required string Command { get; init; }

    /// <summary>Gets the command's arguments.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Gets environment variables added to (or overriding) this process's environment for the command.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets whether the plugin is given the cluster's server, CA and TLS settings in <c>KUBERNETES_EXEC_INFO</c>.</summary>
    public bool ProvideClusterInfo { get; init; }

    /// <summary>Gets the text shown when the command cannot be started (how to install it), if the kubeconfig gives one.</summary>
    public string? InstallHint { get; init; }

    /// <summary>
    /// Gets the longest time one run of the plugin may take before it is killed and the request fails
    /// (default 60 seconds).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}
