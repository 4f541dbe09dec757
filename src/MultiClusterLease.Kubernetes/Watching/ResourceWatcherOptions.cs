namespace MultiClusterLease.Kubernetes.Watching;

/// <summary>How a <see cref="ResourceWatcher{T}"/> retries after a failure.</summary>
public sealed class ResourceWatcherOptions
{
    /// <summary>Gets or sets the first retry delay after a failure (default 0.2 s); it doubles per consecutive failure, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the longest retry delay (default 30 s).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
