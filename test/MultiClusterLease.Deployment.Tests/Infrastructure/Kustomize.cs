using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>One rendered Kubernetes object.</summary>
internal sealed record KubeObject(JsonObject Body)
{
    public string ApiVersion => Body.Str("apiVersion");

    public string Kind => Body.Str("kind");

    public string Name => Body.Str("metadata.name");

    public string? Namespace => Body.StrOrNull("metadata.namespace");

    public override string ToString() => $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}";
}

/// <summary>Renders kustomizations with the real <c>kubectl kustomize</c> (offline) and caches the result.</summary>
internal static class Kustomize
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<KubeObject>>>> Cache = new(StringComparer.Ordinal);

    /// <summary>Renders a kustomization directory (absolute, or relative to the repository root).</summary>
    public static Task<IReadOnlyList<KubeObject>> BuildAsync(string directory)
        => Cache.GetOrAdd(Path.GetFullPath(directory, Repo.Root), dir => new Lazy<Task<IReadOnlyList<KubeObject>>>(() => RenderAsync(dir))).Value;

    /// <summary>Renders without caching.</summary>
    public static async Task<IReadOnlyList<KubeObject>> RenderAsync(string directory)
    {
        var result = (await ProcessRunner.RunAsync("kubectl", ["kustomize", directory], TimeSpan.FromSeconds(60))).Succeeded();
        return Parse(result.Stdout);
    }

    public static IReadOnlyList<KubeObject> Parse(string yaml) => Yaml.ParseDocuments(yaml).Select(o => new KubeObject(o)).ToList();

    public static KubeObject Single(this IReadOnlyList<KubeObject> objects, string kind, string? name = null)
    {
        var matches = objects.Where(o => o.Kind == kind && (name is null || o.Name == name)).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind} {name}, found: {string.Join(", ", objects)}");
        return matches[0];
    }

    /// <summary>Reads a dotted path (e.g. <c>metadata.name</c>); throws when absent.</summary>
    public static string Str(this JsonNode node, string path)
        => node.StrOrNull(path) ?? throw new KeyNotFoundException($"{path} is missing in {node.ToJsonString()}");

    public static string? StrOrNull(this JsonNode node, string path) => node.At(path)?.GetValue<string>();

    public static JsonNode? At(this JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
        {
            current = current is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>Reads a key that contains dots (a label or annotation) of the map at <paramref name="path"/>.</summary>
    public static string? Key(this JsonNode node, string path, string key)
        => node.At(path) is JsonObject map && map.TryGetPropertyValue(key, out var value) ? value?.GetValue<string>() : null;

    public static IEnumerable<JsonNode> Items(this JsonNode node, string path)
        => node.At(path) is JsonArray array ? array.Select(i => i!) : [];

    public static IEnumerable<string> Strings(this JsonNode node, string path)
        => node.Items(path).Select(i => i.GetValue<string>());
}
