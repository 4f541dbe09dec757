namespace MultiClusterLease.Kubernetes.Connection;

/// <summary>Where <see cref="KubernetesConnection"/> finds the cluster, and what every request carries.</summary>
public sealed class KubernetesConnectionOptions
{
    /// <summary>The default <see cref="UserAgent"/>: <c>multiclusterlease/0.1</c>.</summary>
    public const string DefaultUserAgent = "multiclusterlease/0.1";

    /// <summary>Gets or sets an explicit kubeconfig file; <see langword="null"/> = <c>KUBECONFIG</c>, in-cluster, then <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Gets or sets the kubeconfig context; <see langword="null"/> = the current context.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// Gets or sets the <c>User-Agent</c> header sent with every request (default <see cref="DefaultUserAgent"/>). The API
    /// server's audit log, and the test sandbox's fault rules, tell callers apart by it.
    /// </summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>
    /// Gets or sets the time one request may take until its response headers arrive (default 30 s), the official
    /// client's <c>HttpClientTimeout</c>. A watch stream is bounded by its server-side timeout instead.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the <c>source.component</c> and <c>reportingComponent</c> of recorded events (default <c>multiclusterlease</c>).</summary>
    public string EventSourceComponent { get; set; } = "multiclusterlease";
}
