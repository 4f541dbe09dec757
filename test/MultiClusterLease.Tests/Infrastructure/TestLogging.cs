using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Tests.Infrastructure;

/// <summary>Logs to the console when MCL_TEST_LOG=1 (for debugging a failing run); silent otherwise.</summary>
internal static class TestLogging
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(Configure);

    public static void Configure(ILoggingBuilder builder)
    {
        if (Environment.GetEnvironmentVariable("MCL_TEST_LOG") == "1")
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }).SetMinimumLevel(LogLevel.Debug);
            builder.AddFilter("System.Net.Http", LogLevel.Warning);
        }
    }
}
