// STAND-IN, FOR COMPILING THE SAMPLES ONLY. NOT SHIPPED, NOT PACKED, NOT RUNNABLE.
//
// KubeOps (NuGet package KubeOps.Operator) is not obtainable from this project's package mirror. These are the public
// shapes the KubeOps sample uses, as in the KubeOps sources (dotnet-operator-sdk: KubeOps.Operator.LeaderElection.
// ILeaderElectorFactory, KubeOps.Operator.ServiceCollectionExtensions.AddKubernetesOperator, and in
// KubeOps.Abstractions.Builder: OperatorSettingsBuilder, OperatorSettings, LeaderElectionType, IOperatorBuilder), cut
// down to the members the sample touches. Compiled into the sample assembly only (samples/Stubs/Stubs.props); internal.
// To build the sample against the real packages, see samples/README.md.
using k8s.LeaderElection;
using Microsoft.Extensions.DependencyInjection;

namespace KubeOps.Abstractions.Builder
{
    /// <summary>Stand-in: how KubeOps elects one operator instance to run the controllers.</summary>
    internal enum LeaderElectionType
    {
        None = 0,
        Single = 1,
        Custom = 2,
        Scoped = 3,
    }

    /// <summary>Stand-in for the settings builder passed to <c>AddKubernetesOperator</c>.</summary>
    internal sealed class OperatorSettingsBuilder
    {
        public string Name { get; set; } = "kubernetesoperator";

        public string? Namespace { get; set; }

        public LeaderElectionType LeaderElectionType { get; set; } = LeaderElectionType.None;

        public TimeSpan LeaderElectionLeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

        public TimeSpan LeaderElectionRenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

        public TimeSpan LeaderElectionRetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

        public OperatorSettings Build() => new()
        {
            Name = Name,
            Namespace = Namespace,
            LeaderElectionType = LeaderElectionType,
            LeaderElectionLeaseDuration = LeaderElectionLeaseDuration,
            LeaderElectionRenewDeadline = LeaderElectionRenewDeadline,
            LeaderElectionRetryPeriod = LeaderElectionRetryPeriod,
        };
    }

    /// <summary>Stand-in for the operator settings KubeOps registers as a singleton.</summary>
    internal sealed record OperatorSettings
    {
        public required string Name { get; init; }

        public string? Namespace { get; init; }

        public required LeaderElectionType LeaderElectionType { get; init; }

        public required TimeSpan LeaderElectionLeaseDuration { get; init; }

        public required TimeSpan LeaderElectionRenewDeadline { get; init; }

        public required TimeSpan LeaderElectionRetryPeriod { get; init; }
    }

    /// <summary>Stand-in for the builder <c>AddKubernetesOperator</c> returns (controllers, finalizers, ...).</summary>
    internal interface IOperatorBuilder
    {
        IServiceCollection Services { get; }
    }
}

namespace KubeOps.Operator
{
    using KubeOps.Abstractions.Builder;

    /// <summary>Stand-in for KubeOps' registration entry point.</summary>
    internal static class ServiceCollectionExtensions
    {
        public static IOperatorBuilder AddKubernetesOperator(this IServiceCollection services, Action<OperatorSettingsBuilder>? configure = null)
            => throw StandIn.NotRunnable();
    }

    internal static class StandIn
    {
        public static NotSupportedException NotRunnable() => new(
            "This sample was compiled against a stand-in of KubeOps (samples/Stubs). Build it against the real package to run it: see samples/README.md.");
    }
}

namespace KubeOps.Operator.LeaderElection
{
    /// <summary>Stand-in: KubeOps builds its <see cref="LeaderElector"/> through this factory, registered with TryAdd.</summary>
    internal interface ILeaderElectorFactory
    {
        LeaderElector CreateElector();
    }
}
