namespace MultiClusterLease.Kubernetes.Client;

/// <summary>What a <see cref="ResourceWatcher{T}"/> watches and how it retries.</summary>
public sealed class ResourceWatcherOptions
{
    /// <summary>Gets or sets the namespace; <see langword="null"/> = all namespaces (or a cluster-scoped resource).</summary>
    public string? Namespace { get; set; }

    /// <summary>Gets or sets a label selector, e.g. <c>app=x</c>; <see langword="null"/> = none.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>Gets or sets a field selector, e.g. <c>metadata.name=x</c>; <see langword="null"/> = none.</summary>
    public string? FieldSelector { get; set; }

    /// <summary>Gets or sets the server-side timeout of each watch stream in seconds (default 300); the watcher then re-opens it.</summary>
    public int WatchTimeoutSeconds { get; set; } = 300;

    /// <summary>Gets or sets the first retry delay after a failure (default 0.2 s); it doubles per consecutive failure, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the longest retry delay (default 30 s).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
