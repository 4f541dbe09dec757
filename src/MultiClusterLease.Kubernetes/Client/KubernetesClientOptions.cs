namespace MultiClusterLease.Kubernetes.Client;

/// <summary>Settings of a <see cref="KubernetesApiClient"/> and of how <c>AddKubernetesApi</c> finds its configuration.</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>The default <see cref="UserAgent"/>: <c>multiclusterlease/0.1</c>.</summary>
    public const string DefaultUserAgent = "multiclusterlease/0.1";

    /// <summary>Gets or sets an explicit kubeconfig file; <see langword="null"/> = <c>KUBECONFIG</c>, in-cluster, then <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Gets or sets the kubeconfig context; <see langword="null"/> = the current context.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// Gets or sets the <c>User-Agent</c> header sent with every request (default <see cref="DefaultUserAgent"/>). The
    /// API server's audit log, and the test sandbox's fault rules, tell callers apart by it.
    /// </summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>
    /// Gets or sets the time one request may take, from sending it to having read the whole answer (default 30 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/> for none). For a watch it bounds only the wait for the response headers;
    /// the stream itself is bounded by the server-side <see cref="WatchOptions.TimeoutSeconds"/> plus this time.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the <c>fieldManager</c> query parameter of create, replace and patch calls; <see langword="null"/> = none.</summary>
    public string? FieldManager { get; set; }

    /// <summary>Gets or sets the <c>source.component</c> and <c>reportingComponent</c> of recorded events (default <c>multiclusterlease</c>).</summary>
    public string EventSourceComponent { get; set; } = "multiclusterlease";
}
