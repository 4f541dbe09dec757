using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>The controller's command-line settings, after parsing.</summary>
internal sealed record ControllerSettings
{
    public required string GcsBucket { get; init; }

    public string GcsPrefix { get; init; } = "";

    public Uri? GcsEndpoint { get; init; }

    public string? GcsCredentialsFile { get; init; }

    public string? Namespace { get; init; }

    public string? Kubeconfig { get; init; }

    public string? Context { get; init; }

    public required string HealthBindAddress { get; init; }

    public bool JsonLogs { get; init; }

    public required string Identity { get; init; }

    /// <summary>Gets whether replicas elect an active one on a coordination.k8s.io Lease (<c>--leader-elect</c>).</summary>
    public bool LeaderElect { get; init; }

    /// <summary>Gets the Lease's namespace; <see langword="null"/> = the namespace of the Kubernetes configuration.</summary>
    public string? LeaderElectionNamespace { get; init; }

    /// <summary>Gets the Lease's name.</summary>
    public string LeaderElectionId { get; init; } = HighAvailability.LeaderElectionOptions.DefaultLeaseName;

    public TimeSpan LeaderElectionLeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan LeaderElectionRenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan LeaderElectionRetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets whether stopping releases the leader-election Lease (default <see langword="true"/>; tests simulate a crash with <see langword="false"/>).</summary>
    public bool LeaderElectionReleaseOnCancel { get; init; } = true;

    /// <summary>Gets a replacement of the console logging set-up (tests running hosts in-process); <see langword="null"/> = the flags decide.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
