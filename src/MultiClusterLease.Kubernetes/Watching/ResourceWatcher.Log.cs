using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Kubernetes.Watching;

/// <summary>Log messages of <see cref="ResourceWatcher{T}"/>.</summary>
public sealed partial class ResourceWatcher<T>
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {Resource} failed ({Failures} in a row)")]
    private static partial void LogListFailed(ILogger logger, Exception exception, string resource, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Resource} from resource version {ResourceVersion} failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string resource, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resource version {ResourceVersion} of {Resource} expired (410 Gone); listing again")]
    private static partial void LogGone(ILogger logger, string resource, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retrying {Resource} in {DelaySeconds:0.###} s ({Failures} failures in a row)")]
    private static partial void LogBackoff(ILogger logger, string resource, double delaySeconds, int failures);
}
