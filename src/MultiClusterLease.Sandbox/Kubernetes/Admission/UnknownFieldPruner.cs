using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>
/// Structural-schema pruning, as the apiserver applies it to custom resources: a field that its object's schema does not
/// declare (in <c>properties</c>, or as an <c>additionalProperties</c> map) is dropped, unless that schema has
/// <c>x-kubernetes-preserve-unknown-fields: true</c>. <c>apiVersion</c> and <c>kind</c> are kept at the root and in
/// embedded resources; their <c>metadata</c> keeps only the fields of ObjectMeta.
/// </summary>
internal static class UnknownFieldPruner
{
    private static readonly HashSet<string> ObjectMetaFields = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    };

    /// <summary>Removes the unknown fields of an object, in place.</summary>
    /// <param name="obj">The object.</param>
    /// <param name="schema">Its CRD version's <c>openAPIV3Schema</c>.</param>
    /// <returns>The paths of the removed fields, e.g. <c>spec.foo</c>, <c>status.conditions[0].bar</c>, in document order.</returns>
    public static List<string> Prune(JsonObject obj, JsonObject schema)
    {
        var pruned = new List<string>();
        PruneObject(obj, schema, "", embedded: true, pruned);
        return pruned;
    }

    private static void Walk(JsonNode? node, JsonObject schema, string path, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, (bool?)schema["x-kubernetes-embedded-resource"] == true, pruned);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], items, $"{path}[{i}]", pruned);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject obj, JsonObject schema, string path, bool embedded, List<string> pruned)
    {
        var preserve = (bool?)schema["x-kubernetes-preserve-unknown-fields"] == true;
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        foreach (var (name, child) in obj.ToArray())
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            if (embedded && name is "apiVersion" or "kind")
            {
                continue;
            }

            if (embedded && name == "metadata")
            {
                if (child is JsonObject metadata)
                {
                    PruneMetadata(metadata, childPath, pruned);
                }

                continue;
            }

            if (properties?[name] is JsonObject childSchema)
            {
                Walk(child, childSchema, childPath, pruned);
            }
            else if (additional is JsonObject valueSchema)
            {
                Walk(child, valueSchema, childPath, pruned);
            }
            else if (!preserve && !(additional is JsonValue allowed && allowed.TryGetValue<bool>(out var any) && any))
            {
                obj.Remove(name);
                pruned.Add(childPath);
            }
        }
    }

    private static void PruneMetadata(JsonObject metadata, string path, List<string> pruned)
    {
        foreach (var (name, _) in metadata.ToArray())
        {
            if (!ObjectMetaFields.Contains(name))
            {
                metadata.Remove(name);
                pruned.Add($"{path}.{name}");
            }
        }
    }
}
