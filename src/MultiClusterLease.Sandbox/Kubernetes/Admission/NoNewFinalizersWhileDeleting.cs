using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>
/// Once an object carries <c>metadata.deletionTimestamp</c>, an update may remove finalizers but not add any
/// (apimachinery's <c>ValidateObjectMetaUpdate</c>): otherwise a controller racing a deletion could keep the object alive
/// for ever.
/// </summary>
internal static class NoNewFinalizersWhileDeleting
{
    /// <summary>Runs a write of the main resource and refuses its result if it adds a finalizer to an object being deleted.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="current">A copy of the stored object; <paramref name="produce"/> may change it.</param>
    /// <param name="produce">Computes the desired object (a PUT body or a patched copy).</param>
    /// <returns>The desired object.</returns>
    /// <exception cref="ApiException">422 Invalid (a Forbidden cause on <c>metadata.finalizers</c>).</exception>
    public static JsonObject Apply(ResourceType type, string name, JsonObject current, Func<JsonObject, JsonObject> produce)
    {
        if (current["metadata"]?["deletionTimestamp"] is null)
        {
            return produce(current);
        }

        var before = Finalizers(current);
        var desired = produce(current);
        var added = Finalizers(desired).Except(before).Order(StringComparer.Ordinal).ToList();
        if (added.Count == 0)
        {
            return desired;
        }

        // The apiserver lists the new ones as Go's %#v of a []string.
        var list = "[]string{" + string.Join(", ", added.Select(f => $"\"{f}\"")) + "}";
        throw ApiException.Invalid(type, name, [new FieldError(
            "FieldValueForbidden",
            "metadata.finalizers",
            $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {list}")]);
    }

    private static HashSet<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToHashSet(StringComparer.Ordinal)
        ?? [];
}
