using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>
/// What a DELETE answers, as the apiserver's generic registry does: while finalizers keep the object, the object (marked
/// with <c>deletionTimestamp</c>); once it is gone, a <c>Status</c> of kind Success whose details name it (group, the
/// resource's plural as <c>kind</c>, name, uid). Namespaces answer the object either way (their registry sets
/// <c>ReturnDeletedObject</c>).
/// </summary>
internal static class DeleteResponse
{
    /// <summary>Builds the answer to a DELETE.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="result">The object as the store left it: marked for deletion, or its last state.</param>
    /// <returns>The object, or the Success Status.</returns>
    public static JsonObject For(ResourceType type, JsonObject result)
    {
        var metadata = result["metadata"];
        var stillThere = metadata?["finalizers"] is JsonArray { Count: > 0 };
        if (stillThere || type == ResourceType.Namespaces)
        {
            return result;
        }

        var details = new JsonObject { ["name"] = (string?)metadata?["name"] };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        details["uid"] = (string?)metadata?["uid"];
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }
}
