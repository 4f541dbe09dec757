using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>One watch event as sent to a client.</summary>
/// <param name="Type">ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</param>
/// <param name="Object">The object (a private copy).</param>
internal sealed record WatchEvent(string Type, JsonObject Object);

/// <summary>Whether a write goes to the main resource or to its <c>/status</c> subresource.</summary>
internal enum WriteScope
{
    Main,
    Status,
}

/// <summary>
/// The objects of one simulated cluster, with the apiserver's write semantics: one global resourceVersion counter bumped
/// by every write, generation, status-subresource isolation, finalizers, optimistic concurrency; and a bounded history of
/// changes that watches resume from. All state is guarded by one lock; objects never leave it except as copies.
/// </summary>
internal sealed class ObjectStore
{
    private const string NameChars = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly Queue<Change> _history = new();
    private readonly List<Watcher> _watchers = [];
    private readonly TimeProvider _time;
    private readonly int _historyLimit;
    private long _resourceVersion;
    private long _compactedThrough;

    public ObjectStore(TimeProvider time, int historyLimit)
    {
        _time = time;
        _historyLimit = Math.Max(historyLimit, 1);
    }

    /// <summary>Gets the current (latest) resourceVersion.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Find(type, ns, name) is { } obj ? Export(obj, type) : null;
        }
    }

    /// <summary>Lists the matching objects, sorted by namespace and name.</summary>
    /// <returns>Copies of the objects and the resourceVersion of the list.</returns>
    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, ObjectFilter filter)
    {
        lock (_gate)
        {
            var items = Bucket(type).Values
                .Where(o => Visible(o, ns, filter))
                .Select(o => Export(o, type))
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>Creates an object (POST).</summary>
    /// <exception cref="ApiException">409 AlreadyExists, 400 on a namespace mismatch, 422 when invalid.</exception>
    public JsonObject Create(ResourceType type, string? ns, JsonObject obj, bool dryRun)
    {
        lock (_gate)
        {
            var metadata = Metadata(obj);
            CheckNamespace(type, ns, metadata);
            var name = (string?)metadata["name"] ?? "";
            if (name.Length == 0 && (string?)metadata["generateName"] is { Length: > 0 } prefix)
            {
                do
                {
                    name = prefix + new string(Enumerable.Range(0, 5).Select(_ => NameChars[Random.Shared.Next(NameChars.Length)]).ToArray());
                }
                while (Find(type, ns, name) is not null);
            }

            if (name.Length == 0)
            {
                throw ApiException.Invalid(type, "", [new FieldError("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")]);
            }

            if (Find(type, ns, name) is not null)
            {
                throw ApiException.AlreadyExists(type, name);
            }

            metadata["name"] = name;
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp();
            metadata["generation"] = 1L;
            foreach (var field in new[] { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink" })
            {
                metadata.Remove(field);
            }

            if (type.HasStatusSubresource)
            {
                obj.Remove("status");
            }

            if (type == ResourceType.Namespaces)
            {
                obj["status"] = new JsonObject { ["phase"] = "Active" };
            }

            if (type.IsCrd)
            {
                obj["status"] = CrdStatus(obj);
            }

            SetTypeMeta(obj, type);
            Validate(type, obj);
            if (dryRun)
            {
                return Export(obj, type);
            }

            Commit(type, "ADDED", null, obj);
            return Export(obj, type);
        }
    }

    /// <summary>Replaces or patches an object (PUT, PATCH), on the main resource or the status subresource.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace, for namespaced resources.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="scope">Main resource (status kept) or status subresource (only status changes).</param>
    /// <param name="produce">Given a copy of the current object, returns the desired one (a PUT body or a patched copy).
    /// A <c>metadata.resourceVersion</c> in it is a precondition.</param>
    /// <param name="dryRun">Whether to only compute the result.</param>
    /// <returns>The stored object.</returns>
    /// <exception cref="ApiException">404, 409 Conflict on a stale resourceVersion, 400, 422.</exception>
    public JsonObject Update(ResourceType type, string? ns, string name, WriteScope scope, Func<JsonObject, JsonObject> produce, bool dryRun)
    {
        lock (_gate)
        {
            var current = Find(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var desired = produce(current.DeepClone().AsObject());
            var desiredMeta = Metadata(desired);
            if ((string?)desiredMeta["name"] is { Length: > 0 } newName && newName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({newName}) does not match the name on the URL ({name})");
            }

            CheckNamespace(type, ns, desiredMeta);
            var currentMeta = Metadata(current);
            if ((string?)desiredMeta["resourceVersion"] is { Length: > 0 } expected && expected != (string?)currentMeta["resourceVersion"])
            {
                throw ApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            if ((string?)desiredMeta["uid"] is { Length: > 0 } uid && uid != (string?)currentMeta["uid"])
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentMeta["uid"]}");
            }

            JsonObject result;
            if (scope == WriteScope.Status)
            {
                result = current.DeepClone().AsObject();
                result.Remove("status");
                if (desired["status"] is { } status)
                {
                    result["status"] = status.DeepClone();
                }
            }
            else
            {
                result = desired;
                var meta = Metadata(result);
                foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion" })
                {
                    meta.Remove(field);
                    if (currentMeta[field] is { } value)
                    {
                        meta[field] = value.DeepClone();
                    }
                }

                if (type.HasStatusSubresource || type.IsCrd)
                {
                    result.Remove("status");
                    if (current["status"] is { } status)
                    {
                        result["status"] = status.DeepClone();
                    }
                }

                if (!JsonNode.DeepEquals(Spec(current), Spec(result)))
                {
                    meta["generation"] = ((long?)currentMeta["generation"] ?? 0) + 1;
                }
            }

            SetTypeMeta(result, type);
            if (JsonNode.DeepEquals(result, current))
            {
                return Export(current, type);
            }

            Validate(type, result);
            if (type.IsCrd)
            {
                result["status"] = CrdStatus(result);
            }

            if (dryRun)
            {
                return Export(result, type);
            }

            var finished = result["metadata"]?["deletionTimestamp"] is not null
                && result["metadata"]?["finalizers"] is not JsonArray { Count: > 0 };
            Commit(type, finished ? "DELETED" : "MODIFIED", current, result);
            return Export(result, type);
        }
    }

    /// <summary>Deletes an object, or only marks it deleted while finalizers remain.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="options">The DeleteOptions body, if any (its <c>preconditions</c> are checked).</param>
    /// <param name="dryRun">Whether to only compute the result.</param>
    /// <returns>The object's final state, or its state marked with <c>deletionTimestamp</c>.</returns>
    public JsonObject Delete(ResourceType type, string? ns, string name, JsonObject? options, bool dryRun)
    {
        lock (_gate)
        {
            var current = Find(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var meta = Metadata(current);
            if ((string?)options?["preconditions"]?["uid"] is { Length: > 0 } uid && uid != (string?)meta["uid"])
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta["uid"]}");
            }

            if ((string?)options?["preconditions"]?["resourceVersion"] is { Length: > 0 } rv && rv != (string?)meta["resourceVersion"])
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {meta["resourceVersion"]}");
            }

            if (meta["finalizers"] is JsonArray { Count: > 0 })
            {
                if (meta["deletionTimestamp"] is not null)
                {
                    return Export(current, type);
                }

                var marked = current.DeepClone().AsObject();
                var markedMeta = Metadata(marked);
                markedMeta["deletionTimestamp"] = Timestamp();
                markedMeta["deletionGracePeriodSeconds"] = 0L;
                markedMeta["generation"] = ((long?)meta["generation"] ?? 0) + 1;
                if (!dryRun)
                {
                    Commit(type, "MODIFIED", current, marked);
                }

                return Export(marked, type);
            }

            var final = current.DeepClone().AsObject();
            if (!dryRun)
            {
                Commit(type, "DELETED", current, final);
            }

            return Export(final, type);
        }
    }

    /// <summary>Removes every object of a resource (its CRD went away), sending DELETED events.</summary>
    public void RemoveAll(ResourceType type)
    {
        lock (_gate)
        {
            foreach (var obj in Bucket(type).Values.ToList())
            {
                Commit(type, "DELETED", obj, obj.DeepClone().AsObject());
            }
        }
    }

    /// <summary>Starts a watch.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="ns">The namespace; <see langword="null"/> for all.</param>
    /// <param name="filter">Label and field selectors.</param>
    /// <param name="fromVersion">Replay every change after this resourceVersion; <see langword="null"/> = start with synthetic
    /// ADDED events for the current objects.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="ApiException">410 Expired when <paramref name="fromVersion"/> is older than the retained history.</exception>
    public Subscription Watch(ResourceType type, string? ns, ObjectFilter filter, long? fromVersion)
    {
        lock (_gate)
        {
            var watcher = new Watcher(type, ns, filter);
            var initial = new List<WatchEvent>();
            if (fromVersion is not { } from)
            {
                initial.AddRange(Bucket(type).Values.Where(o => Visible(o, ns, filter)).Select(o => new WatchEvent("ADDED", Export(o, type))));
            }
            else
            {
                if (from < _compactedThrough)
                {
                    throw ApiException.Expired(from, _compactedThrough);
                }

                initial.AddRange(_history.Where(c => c.Version > from).Select(watcher.Translate).OfType<WatchEvent>());
            }

            _watchers.Add(watcher);
            return new Subscription(initial, _resourceVersion, watcher.Channel.Reader, () => Unsubscribe(watcher));
        }
    }

    /// <summary>Gets the resourceVersion a bookmark may carry now: the current one, provided the watcher has been sent
    /// everything up to it; otherwise <see langword="null"/>.</summary>
    public long? BookmarkVersion(Subscription subscription)
    {
        lock (_gate)
        {
            return subscription.Events.Count == 0 ? _resourceVersion : null;
        }
    }

    /// <summary>Forgets the change history: later watches from any older resourceVersion get 410 Expired.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    private void Unsubscribe(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
            watcher.Channel.Writer.TryComplete();
        }
    }

    /// <summary>Stores a change: bumps the resourceVersion, records it, and sends it to the watchers.</summary>
    private void Commit(ResourceType type, string eventType, JsonObject? previous, JsonObject next)
    {
        var version = ++_resourceVersion;
        Metadata(next)["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        var bucket = Bucket(type);
        var key = Key(type, (string?)next["metadata"]?["namespace"], (string)next["metadata"]!["name"]!);
        if (eventType == "DELETED")
        {
            bucket.Remove(key);
        }
        else
        {
            bucket[key] = next;
        }

        var change = new Change(version, type.StorageKey, eventType, previous, next);
        _history.Enqueue(change);
        while (_history.Count > _historyLimit)
        {
            _compactedThrough = _history.Dequeue().Version;
        }

        foreach (var watcher in _watchers.ToList())
        {
            if (watcher.Translate(change) is not { } watchEvent)
            {
                continue;
            }

            if (watcher.Channel.Reader.Count >= _historyLimit)
            {
                // A consumer this far behind is cut off, as the apiserver does; the client re-lists.
                _watchers.Remove(watcher);
                watcher.Channel.Writer.TryComplete();
                continue;
            }

            watcher.Channel.Writer.TryWrite(watchEvent);
        }
    }

    private void Validate(ResourceType type, JsonObject obj)
    {
        var errors = type.Validate(obj);
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, (string?)obj["metadata"]?["name"] ?? "", errors);
        }
    }

    private static JsonObject CrdStatus(JsonObject crd)
    {
        var now = (string?)crd["metadata"]?["creationTimestamp"];
        JsonObject Condition(string type, string reason) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = reason == "NoConflicts" ? "no conflicts found" : "the initial names have been accepted",
        };

        var storage = (crd["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
            .Where(v => (bool?)v["storage"] == true).Select(v => (JsonNode?)JsonValue.Create((string?)v["name"])).ToArray() ?? [];
        return new JsonObject
        {
            ["conditions"] = new JsonArray(Condition("NamesAccepted", "NoConflicts"), Condition("Established", "InitialNamesAccepted")),
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static void CheckNamespace(ResourceType type, string? ns, JsonObject metadata)
    {
        if (!type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }

        if ((string?)metadata["namespace"] is { Length: > 0 } given && given != ns)
        {
            throw ApiException.BadRequest($"the namespace of the provided object ({given}) does not match the namespace sent on the request ({ns})");
        }

        metadata["namespace"] = ns;
    }

    /// <summary>Everything but the metadata and status: what <c>metadata.generation</c> tracks.</summary>
    private static JsonObject Spec(JsonObject obj)
    {
        var spec = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (name is not ("metadata" or "status" or "apiVersion" or "kind"))
            {
                spec[name] = value?.DeepClone();
            }
        }

        return spec;
    }

    private static void SetTypeMeta(JsonObject obj, ResourceType type)
    {
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
    }

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = [];
        obj["metadata"] = metadata;
        return metadata;
    }

    private static JsonObject Export(JsonObject obj, ResourceType type)
    {
        var copy = obj.DeepClone().AsObject();
        copy["apiVersion"] = type.GroupVersion;
        return copy;
    }

    private static bool Visible(JsonObject obj, string? ns, ObjectFilter filter) =>
        (ns is null || (string?)obj["metadata"]?["namespace"] == ns) && filter.Matches(obj);

    private JsonObject? Find(ResourceType type, string? ns, string name) =>
        Bucket(type).GetValueOrDefault(Key(type, ns, name));

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type.StorageKey, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[type.StorageKey] = bucket;
        }

        return bucket;
    }

    private static string Key(ResourceType type, string? ns, string name) => type.Namespaced ? $"{ns}/{name}" : name;

    private string Timestamp() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A recorded write. <see cref="Next"/> is the state after the write (for a deletion, the last state).</summary>
    private sealed record Change(long Version, string StorageKey, string Type, JsonObject? Previous, JsonObject Next);

    private sealed class Watcher(ResourceType type, string? ns, ObjectFilter filter)
    {
        public Channel<WatchEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<WatchEvent>();

        /// <summary>What this watcher sees of a change, given its selectors: an object entering the selection is ADDED,
        /// one leaving it is DELETED.</summary>
        public WatchEvent? Translate(Change change)
        {
            if (change.StorageKey != type.StorageKey)
            {
                return null;
            }

            var before = change.Previous is not null && Visible(change.Previous, ns, filter);
            var after = change.Type != "DELETED" && Visible(change.Next, ns, filter);
            if (after)
            {
                return new WatchEvent(before ? "MODIFIED" : "ADDED", Export(change.Next, type));
            }

            if (!before)
            {
                return null;
            }

            // Leaving the selection: the last state that matched, at the version of this change.
            var last = Export(change.Type == "DELETED" ? change.Next : change.Previous!, type);
            Metadata(last)["resourceVersion"] = Metadata(change.Next)["resourceVersion"]!.DeepClone();
            return new WatchEvent("DELETED", last);
        }
    }

    /// <summary>An open watch: replayed or synthetic events first, then live ones. Dispose to stop.</summary>
    /// <param name="Initial">The events to send before the live ones.</param>
    /// <param name="Version">The resourceVersion when the watch started: <paramref name="Initial"/> is everything up to it.</param>
    /// <param name="Events">The live events; completes when the watcher is cut off.</param>
    /// <param name="Stop">Unregisters the watcher.</param>
    internal sealed record Subscription(IReadOnlyList<WatchEvent> Initial, long Version, ChannelReader<WatchEvent> Events, Action Stop) : IDisposable
    {
        public void Dispose() => Stop();
    }
}
