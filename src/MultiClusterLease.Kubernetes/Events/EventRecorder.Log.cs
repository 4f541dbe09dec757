using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Kubernetes.Events;

/// <summary>Log messages of <see cref="EventRecorder"/>.</summary>
public sealed partial class EventRecorder
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record {Type} event {Reason} about {ObjectNamespace}/{ObjectName}")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string type, string reason, string objectNamespace, string? objectName);
}
