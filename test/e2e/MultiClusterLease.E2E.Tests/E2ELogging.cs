using Microsoft.Extensions.Logging;

namespace MultiClusterLease.E2E.Tests;

/// <summary>Logs to the console when MCL_E2E_LOG=1; silent otherwise.</summary>
internal static class E2ELogging
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(Configure);

    public static void Configure(ILoggingBuilder builder)
    {
        if (Environment.GetEnvironmentVariable("MCL_E2E_LOG") == "1")
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }).SetMinimumLevel(LogLevel.Debug);
            builder.AddFilter("System.Net.Http", LogLevel.Warning);
            builder.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }
    }
}
