using Microsoft.Extensions.Logging;
using MultiClusterLease.Testing;

namespace MultiClusterLease.E2E.Tests;

/// <summary>Logs to the console when MCL_E2E_LOG=1; silent otherwise.</summary>
internal static class E2ELogging
{
    private const string Switch = "MCL_E2E_LOG";

    public static ILoggerFactory Factory { get; } = OptInConsoleLogging.CreateFactory(Switch);

    public static void Configure(ILoggingBuilder builder) => OptInConsoleLogging.Configure(builder, Switch);
}
