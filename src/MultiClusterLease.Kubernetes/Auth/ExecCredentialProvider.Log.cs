using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Kubernetes.Auth;

/// <summary>Log messages of <see cref="ExecCredentialProvider"/>.</summary>
internal sealed partial class ExecCredentialProvider
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Exec credential plugin {Command} returned a credential expiring at {Expiry}")]
    private static partial void LogCredentialObtained(ILogger logger, string command, DateTimeOffset? expiry);
}
