using MultiClusterLease.Election.Reconciliation;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

/// <summary>Keeps the reasons of the recorded events.</summary>
internal sealed class RecordingEventSink : ILeaseEventSink
{
    public List<(string Reason, string Message)> Events { get; } = [];

    public void Record(Lease lease, string type, string reason, string message) => Events.Add((reason, message));
}
