using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using MultiClusterLease.Simulation.Scheduling;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// The API server of one simulated cluster, for <c>MultiClusterLease</c> objects, with the sandbox's semantics
/// (src/MultiClusterLease.Sandbox/Kubernetes/ObjectStore.cs): one resourceVersion counter per cluster, bumped by every
/// change; <c>metadata.generation</c> bumped by spec changes and by the start of a deletion; a
/// <c>metadata.resourceVersion</c> in a patch is a precondition (409 when stale); the status subresource changes only
/// status and the main resource never does; a delete with finalizers only sets <c>deletionTimestamp</c>, and the object
/// goes once the last finalizer is removed; watches replay from a bounded history (410 Gone when too old).
/// </summary>
internal sealed class SimulatedCluster
{
    private const int HistoryLimit = 64;
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(long Version, WatchEventType Type, JsonObject Object)> _history = [];
    private readonly List<ClusterWatch> _watches = [];
    private long _resourceVersion = 100;
    private long _uids;

    public SimulatedCluster(string name, SimulatedProcess server)
    {
        Name = name;
        Server = server;
    }

    public string Name { get; }

    /// <summary>Gets the server's process (never paused or killed): server-side work runs there.</summary>
    public SimulatedProcess Server { get; }

    /// <summary>Raised after each change, with the stored object (for the trace).</summary>
    public event Action<WatchEventType, JsonObject>? Changed;

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    public JsonObject Get(string? ns, string name)
        => _objects.TryGetValue(Key(ns, name), out var obj) ? (JsonObject)obj.DeepClone() : throw NotFound(name);

    public JsonObject? TryGet(string? ns, string name)
        => _objects.TryGetValue(Key(ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;

    public (List<JsonObject> Items, long Version) List(string? ns, string? fieldSelector)
    {
        var items = _objects.Values.Where(o => Matches(o, ns, fieldSelector)).Select(o => (JsonObject)o.DeepClone()).ToList();
        return (items, _resourceVersion);
    }

    public JsonObject Create(string? ns, JsonObject obj)
    {
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? throw new InvalidOperationException("no name");
        if (_objects.ContainsKey(Key(ns, name)))
        {
            throw Failure(HttpStatusCode.Conflict, "AlreadyExists", $"{name} already exists");
        }

        var metadata = obj["metadata"]!.AsObject();
        metadata["namespace"] = ns;
        metadata["uid"] = $"uid-{Name}-{++_uids}";
        metadata["generation"] = 1L;
        metadata["creationTimestamp"] = JsonValue.Create(Server.Clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        obj.Remove("status");
        Commit(Key(ns, name), obj, WatchEventType.Added);
        return (JsonObject)obj.DeepClone();
    }

    public JsonObject Patch(string? ns, string name, string patch, string? subresource)
    {
        var key = Key(ns, name);
        if (!_objects.TryGetValue(key, out var current))
        {
            throw NotFound(name);
        }

        var document = JsonNode.Parse(patch)!.AsObject();
        if (document["metadata"]?["resourceVersion"] is { } wanted && wanted.GetValueKind() != JsonValueKind.Null
            && wanted.GetValue<string>() != current["metadata"]!["resourceVersion"]!.GetValue<string>())
        {
            throw Conflict(name);
        }

        var updated = (JsonObject)current.DeepClone();
        if (subresource == "status")
        {
            updated["status"] = MergePatch.Apply(updated["status"]?.DeepClone(), document["status"]?.DeepClone());
        }
        else
        {
            document.Remove("status");
            if (document["metadata"] is JsonObject metadataPatch)
            {
                metadataPatch.Remove("resourceVersion");
                foreach (var field in new[] { "uid", "generation", "creationTimestamp", "deletionTimestamp", "namespace", "name" })
                {
                    metadataPatch.Remove(field);
                }
            }

            var status = updated["status"]?.DeepClone();
            updated = MergePatch.Apply(updated, document)!.AsObject();
            updated.Remove("status");
            if (status is not null)
            {
                updated["status"] = status;
            }

            if (!JsonNode.DeepEquals(current["spec"], updated["spec"]))
            {
                updated["metadata"]!["generation"] = current["metadata"]!["generation"]!.GetValue<long>() + 1;
            }
        }

        if (JsonNode.DeepEquals(current, updated))
        {
            // A no-op write changes nothing, not even the resourceVersion.
            return (JsonObject)current.DeepClone();
        }

        if (updated["metadata"]!["deletionTimestamp"] is not null && Finalizers(updated).Count == 0)
        {
            Remove(key, updated);
            return (JsonObject)updated.DeepClone();
        }

        Commit(key, updated, WatchEventType.Modified);
        return (JsonObject)updated.DeepClone();
    }

    public void Delete(string? ns, string name)
    {
        var key = Key(ns, name);
        if (!_objects.TryGetValue(key, out var current))
        {
            throw NotFound(name);
        }

        if (Finalizers(current).Count == 0)
        {
            Remove(key, (JsonObject)current.DeepClone());
            return;
        }

        if (current["metadata"]!["deletionTimestamp"] is not null)
        {
            return;
        }

        var updated = (JsonObject)current.DeepClone();
        updated["metadata"]!["deletionTimestamp"] = JsonValue.Create(Server.Clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        updated["metadata"]!["generation"] = current["metadata"]!["generation"]!.GetValue<long>() + 1;
        Commit(key, updated, WatchEventType.Modified);
    }

    /// <summary>Opens a watch: the history after <paramref name="fromVersion"/>, then live events; null when the version is too old (410).</summary>
    public ClusterWatch? Watch(string? ns, string? fieldSelector, long? fromVersion, Action<WatchEventType, JsonObject?, long> deliver, Action close)
    {
        var watch = new ClusterWatch(ns, fieldSelector, deliver, close);
        if (fromVersion is { } from)
        {
            if (_history.Count > 0 && _history[0].Version > from + 1 && from < _resourceVersion)
            {
                return null;
            }

            foreach (var (version, type, obj) in _history.Where(h => h.Version > from))
            {
                if (Matches(obj, ns, fieldSelector))
                {
                    deliver(type, obj, version);
                }
            }
        }

        _watches.Add(watch);
        return watch;
    }

    /// <summary>Ends every open watch (the server drops them).</summary>
    public void DropWatches(Func<ClusterWatch, bool>? which = null)
    {
        foreach (var watch in _watches.Where(w => which?.Invoke(w) ?? true).ToList())
        {
            watch.Close();
        }
    }

    internal void Unsubscribe(ClusterWatch watch) => _watches.Remove(watch);

    private void Commit(string key, JsonObject obj, WatchEventType type)
    {
        var version = ++_resourceVersion;
        obj["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        Publish(type, obj, version);
    }

    private void Remove(string key, JsonObject last)
    {
        var version = ++_resourceVersion;
        last["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        _objects.Remove(key);
        Publish(WatchEventType.Deleted, last, version);
    }

    private void Publish(WatchEventType type, JsonObject obj, long version)
    {
        var snapshot = (JsonObject)obj.DeepClone();
        _history.Add((version, type, snapshot));
        if (_history.Count > HistoryLimit)
        {
            _history.RemoveAt(0);
        }

        Changed?.Invoke(type, snapshot);
        foreach (var watch in _watches.ToList())
        {
            if (Matches(snapshot, watch.Namespace, watch.FieldSelector))
            {
                watch.Deliver(type, snapshot, version);
            }
        }
    }

    private static List<string> Finalizers(JsonObject obj)
        => obj["metadata"]?["finalizers"] is JsonArray array ? array.Select(f => f!.GetValue<string>()).ToList() : [];

    private static bool Matches(JsonObject obj, string? ns, string? fieldSelector)
    {
        if (ns is not null && obj["metadata"]?["namespace"]?.GetValue<string>() != ns)
        {
            return false;
        }

        if (fieldSelector is { } selector && selector.StartsWith("metadata.name=", StringComparison.Ordinal))
        {
            return obj["metadata"]?["name"]?.GetValue<string>() == selector["metadata.name=".Length..];
        }

        return true;
    }

    private static HttpOperationException NotFound(string name) => Failure(HttpStatusCode.NotFound, "NotFound", $"{name} not found");

    internal static HttpOperationException Conflict(string name) => Failure(HttpStatusCode.Conflict, "Conflict", $"the object {name} has been modified");

    /// <summary>
    /// An API server's answer as the official client reports it: an <see cref="HttpOperationException"/> with the status
    /// code and the <c>Status</c> body, so that <c>KubernetesErrors</c> classifies it as for a real server.
    /// </summary>
    private static HttpOperationException Failure(HttpStatusCode code, string reason, string message)
    {
        var body = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = (int)code }.ToJsonString();
#pragma warning disable CA2000 // The wrapper owns the simulated response; nothing to release.
        return new HttpOperationException($"Operation returned an invalid status code '{code}': {message}")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), body),
        };
#pragma warning restore CA2000
    }

    /// <summary>Converts a stored object to its typed form.</summary>
    public static T As<T>(JsonNode node) => KubernetesJson.Deserialize<T>(node);

    /// <summary>Converts a typed object to its stored form.</summary>
    public static JsonObject ToNode(object value) => JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject();

    /// <summary>One open watch on the server.</summary>
    internal sealed class ClusterWatch(string? ns, string? fieldSelector, Action<WatchEventType, JsonObject?, long> deliver, Action close)
    {
        public string? Namespace { get; } = ns;

        public string? FieldSelector { get; } = fieldSelector;

        public object? Owner { get; set; }

        public void Deliver(WatchEventType type, JsonObject obj, long version) => deliver(type, obj, version);

        public void Close() => close();
    }
}

/// <summary>RFC 7386 JSON merge patch.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch;
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject.ToList())
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var existing = result[name];
                result[name] = Apply(existing?.DeepClone(), value.DeepClone());
            }
        }

        return result;
    }
}
