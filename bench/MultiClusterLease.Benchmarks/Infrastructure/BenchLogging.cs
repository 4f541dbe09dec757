using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>Warnings and errors of the code under test go to the console (everything with --verbose).</summary>
internal static class BenchLogging
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder => Configure(builder, verbose));

    public static void Configure(ILoggingBuilder builder, bool verbose)
    {
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        builder.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.AddFilter("Microsoft", LogLevel.Warning);
    }
}
