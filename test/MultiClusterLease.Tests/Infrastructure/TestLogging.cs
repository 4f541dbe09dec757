using Microsoft.Extensions.Logging;
using MultiClusterLease.Testing;

namespace MultiClusterLease.Tests.Infrastructure;

/// <summary>Logs to the console when MCL_TEST_LOG=1 (for debugging a failing run); silent otherwise.</summary>
internal static class TestLogging
{
    private const string Switch = "MCL_TEST_LOG";

    public static ILoggerFactory Factory { get; } = OptInConsoleLogging.CreateFactory(Switch);

    public static void Configure(ILoggingBuilder builder) => OptInConsoleLogging.Configure(builder, Switch);
}
