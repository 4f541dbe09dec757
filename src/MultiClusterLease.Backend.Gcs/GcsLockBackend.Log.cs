using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Backend.Gcs;

/// <content>Log messages.</content>
public sealed partial class GcsLockBackend
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Retrying GCS {Operation} of {ObjectName} in {DelayMs:0} ms (retry {Retry}): {Reason}")]
        public static partial void Retrying(ILogger logger, string operation, string objectName, double delayMs, int retry, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The outcome of a write of {ObjectName} is unknown ({Reason}); re-reading the object to settle it")]
        public static partial void SettlingWrite(ILogger logger, string objectName, string reason);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Settled the write of {ObjectName}: {Outcome} (object generation {Generation})")]
        public static partial void WriteSettled(ILogger logger, string objectName, string outcome, long generation);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Lock object {Object} (generation {Generation}) is not a valid lock record: {Error}. It is reported, never overwritten")]
        public static partial void CorruptObject(ILogger logger, string @object, long generation, string error);
    }
}
