using MultiClusterLease.Kubernetes.Events;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>Sends the reconciler's events to the API server through <see cref="EventRecorder"/>, without blocking the reconcile.</summary>
public sealed class KubernetesEventSink : ILeaseEventSink
{
    private readonly EventRecorder _recorder;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="recorder">The recorder.</param>
    public KubernetesEventSink(EventRecorder recorder)
    {
        _recorder = recorder;
    }

    /// <inheritdoc/>
    public void Record(Lease lease, string type, string reason, string message)
        => _ = _recorder.RecordAsync(lease, type, reason, message, CancellationToken.None);
}
