// STAND-IN, FOR COMPILING THE SAMPLES ONLY. NOT SHIPPED, NOT PACKED, NOT RUNNABLE.
//
// The official Kubernetes C# client (NuGet package KubernetesClient) cannot be restored on this project's build
// machines. These are the public shapes of its k8s.LeaderElection.LeaderElectionConfig and LeaderElector, as in
// kubernetes-client/csharp (src/KubernetesClient/LeaderElection), so that the samples compile exactly as a user's code
// does against the real package. They are compiled into the sample assemblies only (samples/Stubs/Stubs.props), are
// internal, and their operations throw. ILock and LeaderElectionRecord come from src/KubernetesClient.Contract.
// To build a sample against the real packages, see samples/README.md.
#pragma warning disable CS0067 // The events of a stand-in are never raised.

namespace k8s.LeaderElection
{
    /// <summary>Stand-in for the official <c>LeaderElectionConfig</c>: the lock and the three timings.</summary>
    internal class LeaderElectionConfig
    {
        public LeaderElectionConfig(ILock @lock)
        {
            Lock = @lock;
        }

        public ILock Lock { get; set; }

        public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

        public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

        public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
    }

    /// <summary>Stand-in for the official <c>LeaderElector</c>: its public members; every operation throws.</summary>
    internal class LeaderElector : IDisposable
    {
        public LeaderElector(LeaderElectionConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
        }

        public event Action? OnStartedLeading;

        public event Action? OnStoppedLeading;

        public event Action<string>? OnNewLeader;

        public event Action<Exception>? OnError;

        public bool IsLeader() => throw StandIn.NotRunnable();

        public string GetLeader() => throw StandIn.NotRunnable();

        public Task RunUntilLeadershipLostAsync(CancellationToken cancellationToken = default) => throw StandIn.NotRunnable();

        public Task RunAndTryToHoldLeadershipForeverAsync(CancellationToken cancellationToken = default) => throw StandIn.NotRunnable();

        public void Dispose()
        {
            GC.SuppressFinalize(this);
        }
    }

    internal static class StandIn
    {
        public static NotSupportedException NotRunnable() => new(
            "This sample was compiled against stand-ins of KubernetesClient/KubeOps (samples/Stubs). Build it against the real packages to run it: see samples/README.md.");
    }
}
