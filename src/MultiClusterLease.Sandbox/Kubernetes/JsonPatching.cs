using System.Globalization;
using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on <see cref="JsonNode"/> trees.</summary>
internal static class JsonPatching
{
    /// <summary>Applies a merge patch. <paramref name="target"/> may be changed and is not to be used afterwards.</summary>
    /// <returns>The patched document.</returns>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }

            result.TryGetPropertyValue(name, out var current);
            result.Remove(name);
            result[name] = MergePatch(current, value);
        }

        return result;
    }

    /// <summary>Applies a JSON patch: add, remove, replace, move, copy, test.</summary>
    /// <param name="document">The document; it is changed in place unless an operation replaces the root.</param>
    /// <param name="operations">The patch, a JSON array of operations.</param>
    /// <returns>The patched document.</returns>
    /// <exception cref="ApiException">400 when the patch is malformed; 422 when an operation cannot be applied.</exception>
    public static JsonNode? JsonPatch(JsonNode? document, JsonNode? operations)
    {
        if (operations is not JsonArray array)
        {
            throw ApiException.BadRequest("json patch must be a JSON array of operations");
        }

        foreach (var node in array)
        {
            if (node is not JsonObject op || (string?)op["op"] is not { } name || (string?)op["path"] is not { } path)
            {
                throw ApiException.BadRequest($"invalid json patch operation: {node?.ToJsonString()}");
            }

            string From() => (string?)op["from"] ?? throw ApiException.BadRequest($"json patch operation \"{name}\" needs \"from\"");
            JsonNode? Value() => op.TryGetPropertyValue("value", out var v)
                ? v?.DeepClone()
                : throw ApiException.BadRequest($"json patch operation \"{name}\" needs \"value\"");

            switch (name)
            {
                case "add":
                    document = Add(document, path, Value());
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    var value = Value();
                    document = Remove(document, path, out _);
                    document = Add(document, path, value);
                    break;
                case "move":
                    var from = From();
                    document = Remove(document, from, out var moved);
                    document = Add(document, path, moved);
                    break;
                case "copy":
                    document = Add(document, path, Resolve(document, From())?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(document, path), Value()))
                    {
                        throw ApiException.Unprocessable($"json patch test operation failed: value at \"{path}\" is not {op["value"]?.ToJsonString() ?? "null"}");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unsupported json patch operation \"{name}\"");
            }
        }

        return document;
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        var tokens = Parse(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        switch (Resolve(document, tokens[..^1], path))
        {
            case JsonObject obj:
                obj.Remove(tokens[^1]);
                obj[tokens[^1]] = value;
                break;
            case JsonArray arr:
                var index = tokens[^1] == "-" ? arr.Count : Index(tokens[^1], arr.Count + 1, path);
                arr.Insert(index, value);
                break;
            default:
                throw Missing(path);
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var tokens = Parse(path);
        if (tokens.Count == 0)
        {
            removed = document;
            return null;
        }

        switch (Resolve(document, tokens[..^1], path))
        {
            case JsonObject obj when obj.TryGetPropertyValue(tokens[^1], out removed):
                obj.Remove(tokens[^1]);
                break;
            case JsonArray arr:
                var index = Index(tokens[^1], arr.Count, path);
                removed = arr[index];
                arr.RemoveAt(index);
                break;
            default:
                throw Missing(path);
        }

        return document;
    }

    private static JsonNode? Resolve(JsonNode? document, string path) => Resolve(document, Parse(path), path);

    private static JsonNode? Resolve(JsonNode? node, List<string> tokens, string path)
    {
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray arr => arr[Index(token, arr.Count, path)],
                _ => throw Missing(path),
            };
        }

        return node;
    }

    private static List<string> Parse(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw ApiException.BadRequest($"invalid json pointer \"{path}\"");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static int Index(string token, int limit, string path) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < limit
            ? i
            : throw ApiException.Unprocessable($"json patch: array index \"{token}\" out of range in \"{path}\"");

    private static ApiException Missing(string path) => ApiException.Unprocessable($"json patch: path \"{path}\" does not exist");
}
