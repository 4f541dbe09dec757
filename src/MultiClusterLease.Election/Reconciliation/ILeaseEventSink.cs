using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>Receives the Kubernetes Events the reconciler reports on a <c>MultiClusterLease</c>.</summary>
public interface ILeaseEventSink
{
    /// <summary>Records an event. Must not throw and should not block: failures are logged by the implementation.</summary>
    /// <param name="lease">The object the event is about.</param>
    /// <param name="type"><c>Normal</c> or <c>Warning</c>.</param>
    /// <param name="reason">A CamelCase reason, e.g. <c>LeaderElected</c>.</param>
    /// <param name="message">A human-readable message.</param>
    void Record(V1Alpha1MultiClusterLease lease, string type, string reason, string message);
}

/// <summary>Event reasons reported on <c>MultiClusterLease</c> objects.</summary>
public static class LeaseEventReasons
{
    /// <summary>This cluster's candidate acquired the global lock.</summary>
    public const string Acquired = "LeaderElected";

    /// <summary>This cluster's candidate lost the global lock to another holder.</summary>
    public const string Lost = "LeadershipLost";

    /// <summary>The lock was released for this cluster's candidate.</summary>
    public const string Released = "LockReleased";

    /// <summary>
    /// The CR is being deleted, but its lock is not released yet: the holding candidate may still be leading. The lock
    /// is released (and the finalizer removed) once the holder released, went stale, or its lock ran out.
    /// </summary>
    public const string ReleasePending = "ReleasePending";

    /// <summary>The spec is invalid.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>The backend failed.</summary>
    public const string BackendUnavailable = "BackendUnavailable";

    /// <summary>The lock object is not a valid lock record.</summary>
    public const string LockObjectCorrupt = "LockObjectCorrupt";
}
