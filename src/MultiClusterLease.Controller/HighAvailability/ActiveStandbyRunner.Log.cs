using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Controller.HighAvailability;

internal sealed partial class ActiveStandbyRunner
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Leader election on: standing by until this replica holds the controller lease {Lease} as {Identity}")]
        public static partial void Standby(ILogger logger, string lease, string identity);

        [LoggerMessage(2, LogLevel.Critical, "The election controller failed; stopping")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
