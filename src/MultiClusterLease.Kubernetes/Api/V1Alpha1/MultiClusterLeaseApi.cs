namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>
/// Names of the <c>MultiClusterLease</c> API. The group, version, kind and field names are those of the
/// Go implementation (gke-labs/multicluster-leader-election), so custom resources written for it keep working.
/// </summary>
public static class MultiClusterLeaseApi
{
    /// <summary>The API group: <c>multicluster.core.cnrm.cloud.google.com</c>.</summary>
    public const string Group = "multicluster.core.cnrm.cloud.google.com";

    /// <summary>The API version: <c>v1alpha1</c>.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The <c>apiVersion</c> field value: <c>group/version</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>The kind: <c>MultiClusterLease</c>.</summary>
    public const string Kind = "MultiClusterLease";

    /// <summary>The plural resource name: <c>multiclusterleases</c>.</summary>
    public const string Plural = "multiclusterleases";

    /// <summary>The finalizer the controller adds so it can release the global lock before a CR is deleted.</summary>
    public const string Finalizer = "multicluster.core.cnrm.cloud.google.com/release-lock";

    /// <summary>The field manager name used by the controller for its writes.</summary>
    public const string ControllerFieldManager = "multiclusterlease-controller";
}

/// <summary>Condition types reported in <see cref="V1Alpha1MultiClusterLeaseStatus.Conditions"/>.</summary>
public static class ConditionTypes
{
    /// <summary><c>True</c> while the controller can read and write the global lock's backend.</summary>
    public const string BackendHealthy = "BackendHealthy";

    /// <summary><c>True</c> while this cluster's candidate holds the global lock in the backend.</summary>
    public const string LockAcquiredInBackend = "LockAcquiredInBackend";

    /// <summary><c>True</c> while the spec is valid; <c>False</c> with reason <c>InvalidSpec</c> explains what is wrong.</summary>
    public const string SpecValid = "SpecValid";
}

/// <summary>Values of <c>V1Condition.Status</c> (Kubernetes API conventions, "Typical status properties").</summary>
public static class ConditionStatus
{
    /// <summary>The condition holds.</summary>
    public const string True = "True";

    /// <summary>The condition does not hold.</summary>
    public const string False = "False";

    /// <summary>Not known.</summary>
    public const string Unknown = "Unknown";
}
