using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Testing;

/// <summary>
/// Logging for tests: silent, unless an environment variable (e.g. <c>MCL_TEST_LOG=1</c>) asks for every Debug line
/// of the code under test on the console, one line each with a millisecond timestamp, to debug a failing run.
/// </summary>
public static class OptInConsoleLogging
{
    /// <summary>Creates a logger factory configured by <see cref="Configure"/>.</summary>
    /// <param name="switchVariable">The environment variable that turns logging on when it is <c>1</c>.</param>
    /// <returns>The factory.</returns>
    public static ILoggerFactory CreateFactory(string switchVariable) => LoggerFactory.Create(builder => Configure(builder, switchVariable));

    /// <summary>Adds the console at Debug (HTTP client and ASP.NET Core at Warning) when the switch is <c>1</c>; nothing otherwise.</summary>
    /// <param name="builder">The logging builder.</param>
    /// <param name="switchVariable">The environment variable that turns logging on when it is <c>1</c>.</param>
    public static void Configure(ILoggingBuilder builder, string switchVariable)
    {
        if (Environment.GetEnvironmentVariable(switchVariable) == "1")
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
