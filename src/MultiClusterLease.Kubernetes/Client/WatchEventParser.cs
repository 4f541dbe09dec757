using System.Text.Json;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>Parses one line of a watch stream: <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}</c>.</summary>
internal static class WatchEventParser
{
    /// <summary>Parses a line.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="line">One JSON document.</param>
    /// <returns>The event, or <see langword="null"/> for a blank line.</returns>
    /// <exception cref="JsonException">The line is not a watch event.</exception>
    public static WatchEvent<T>? Parse<T>(string line)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var typeText = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        WatchEventType type = typeText switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new JsonException($"not a watch event: unknown type '{typeText}'"),
        };
        if (!root.TryGetProperty("object", out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"not a watch event: {typeText} without an object");
        }

        if (type == WatchEventType.Error)
        {
            return new WatchEvent<T>(type, null, value.Deserialize<KubernetesStatus>(KubernetesJson.Options), null);
        }

        string? resourceVersion = null;
        if (value.TryGetProperty("metadata", out var metadata)
            && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("resourceVersion", out var rv)
            && rv.ValueKind == JsonValueKind.String)
        {
            resourceVersion = rv.GetString();
        }

        return new WatchEvent<T>(type, value.Deserialize<T>(KubernetesJson.Options), null, resourceVersion);
    }
}
