using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Controller.HighAvailability;

internal sealed partial class LeaseElector
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Acquired the controller lease {Lease} as {Identity}: this replica is now active")]
        public static partial void Acquired(ILogger logger, string lease, string identity);

        [LoggerMessage(2, LogLevel.Warning, "Lost the controller lease {Lease} ({Identity}): stopped reconciling; standing by")]
        public static partial void Lost(ILogger logger, string lease, string identity);

        [LoggerMessage(3, LogLevel.Information, "Released the controller lease {Lease} ({Identity})")]
        public static partial void Released(ILogger logger, string lease, string identity);

        [LoggerMessage(4, LogLevel.Warning, "Could not release the controller lease {Lease}: {Message}; a standby takes over when it expires")]
        public static partial void ReleaseFailed(ILogger logger, string lease, string message);

        [LoggerMessage(5, LogLevel.Warning, "Reading or writing the controller lease {Lease} failed: {Message}")]
        public static partial void AttemptFailed(ILogger logger, string lease, string message);

        [LoggerMessage(6, LogLevel.Warning, "Renewing the controller lease {Lease} failed: {Message}")]
        public static partial void RenewFailed(ILogger logger, string lease, string message);

        [LoggerMessage(7, LogLevel.Information, "The controller lease {Lease} is held by {Holder}")]
        public static partial void Holder(ILogger logger, string lease, string holder);

        [LoggerMessage(8, LogLevel.Error, "The work of the active replica ended on its own; released the controller lease {Lease}")]
        public static partial void WorkEnded(ILogger logger, string lease);
    }
}
