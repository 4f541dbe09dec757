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
}
