using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Events;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>Sends the reconciler's events to the API server through <see cref="EventRecorder"/>, without blocking the reconcile.</summary>
internal sealed class KubernetesEventSink : ILeaseEventSink
{
    private readonly EventRecorder _recorder;

    public KubernetesEventSink(EventRecorder recorder)
    {
        _recorder = recorder;
    }

    public void Record(Lease lease, string type, string reason, string message)
        => _ = _recorder.RecordAsync(lease, type, reason, message, CancellationToken.None);
}
