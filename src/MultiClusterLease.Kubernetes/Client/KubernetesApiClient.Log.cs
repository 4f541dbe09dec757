using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>Log messages of <see cref="KubernetesApiClient"/>.</summary>
public sealed partial class KubernetesApiClient
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} answered {StatusCode} {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string method, string path, int statusCode, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch GET {Path} passed its client-side deadline; closing it")]
    private static partial void LogWatchDeadline(ILogger logger, string path);
}
