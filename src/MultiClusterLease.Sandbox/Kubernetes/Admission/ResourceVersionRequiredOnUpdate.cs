using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>
/// A replace (PUT) must carry the <c>metadata.resourceVersion</c> it was read at, as the apiserver's generic registry
/// demands of every resource whose strategy refuses unconditional updates: custom resources, CRDs and Leases. The core v1
/// resources served here (namespaces, events, configmaps) allow them: there the server fills in the current version.
/// Without this rule a client that PUTs an object it built from scratch silently overwrites whatever it did not send
/// (for example a controller's finalizer).
/// </summary>
internal static class ResourceVersionRequiredOnUpdate
{
    /// <summary>Checks a PUT body against the object it replaces (which exists: a missing one is 404 first).</summary>
    /// <param name="type">The resource.</param>
    /// <param name="name">The object's name (from the URL).</param>
    /// <param name="body">The PUT body.</param>
    /// <exception cref="ApiException">422 Invalid when the version is missing and the resource requires it.</exception>
    public static void Check(ResourceType type, string name, JsonObject body)
    {
        if (type.Group.Length == 0 || (string?)body["metadata"]?["resourceVersion"] is { Length: > 0 })
        {
            return;
        }

        // The apiserver prints the missing version as Go's %#v of uint64 0.
        throw ApiException.Invalid(type, name, [new FieldError("FieldValueInvalid", "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]);
    }
}
