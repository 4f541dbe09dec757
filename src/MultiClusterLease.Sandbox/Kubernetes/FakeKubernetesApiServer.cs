using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Kubernetes.Admission;
using YamlDotNet.Core;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>
/// A fake Kubernetes API server for one simulated cluster: plain HTTP on 127.0.0.1, any bearer token or none.
/// It serves discovery, CRUD, merge/JSON patch, the status subresource, generation and resourceVersion semantics,
/// finalizers, CRD schema validation and pruning, watches with resume, bookmarks and 410 Expired, and server-side printing
/// (Tables), enough for <c>kubectl</c> and the official KubernetesClient. Resources: core v1 namespaces, events and
/// configmaps, coordination.k8s.io/v1 leases, apiextensions.k8s.io/v1 customresourcedefinitions, and every resource of the
/// installed CRDs (from <see cref="FakeKubernetesApiServerOptions.CrdFiles"/> at start, or created through the API later).
/// Every request goes through <see cref="Faults"/> first. It refuses what a real apiserver refuses (rules in
/// <c>Admission/</c>): a PUT without resourceVersion, strategic merge patch on custom resources, a new finalizer on an
/// object being deleted, unknown fields under <c>fieldValidation=Strict</c> (pruned with a warning otherwise).
/// <para>Simplifications: lists ignore <c>limit</c>/<c>continue</c> and the requested resourceVersion (they always return
/// everything, current); strategic merge patch on built-in kinds is applied as a JSON merge patch; server-side apply is
/// refused with 415; no conversion between the versions of a CRD; no defaulting, CEL rules, managedFields, namespace
/// lifecycle or garbage collection; no field validation for built-in kinds; protobuf request bodies (kubectl's typed
/// commands for built-in kinds, e.g. <c>kubectl create namespace</c>) are refused with 415 — use <c>kubectl apply -f</c>.</para>
/// </summary>
public sealed partial class FakeKubernetesApiServer : IAsyncDisposable
{
    private static readonly string[] DefaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FakeKubernetesApiServerOptions _options;
    private readonly ObjectStore _store;
    private readonly TypeRegistry _registry = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _baseAddress;
    private int _disposed;

    private FakeKubernetesApiServer(FakeKubernetesApiServerOptions options)
    {
        _options = options;
        _store = new ObjectStore(options.TimeProvider, options.WatchHistoryLimit);
        Faults = options.Faults ?? new FaultInjector();
    }

    /// <summary>Gets the server's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Gets the simulated cluster's name.</summary>
    public string ClusterName => _options.ClusterName;

    /// <summary>Gets the fault injector every request passes through first.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Gets the current resourceVersion: the number of writes so far.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    /// <summary>Starts a server: installs the default namespaces and the CRDs, then listens.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    /// <exception cref="InvalidOperationException">A CRD file is missing or invalid.</exception>
    public static async Task<FakeKubernetesApiServer> StartAsync(FakeKubernetesApiServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = new FakeKubernetesApiServer(options);
        server.InstallInitialObjects();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        app.Use(server.Faults.InvokeAsync);
        app.Run(server.HandleAsync);
        server._app = app;
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server._baseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Reads an object from the store, as the API would return it.</summary>
    /// <param name="group">The API group; "" for core.</param>
    /// <param name="version">The version, e.g. <c>v1alpha1</c>.</param>
    /// <param name="plural">The resource, e.g. <c>multiclusterleases</c>.</param>
    /// <param name="ns">The namespace; <see langword="null"/> for cluster-scoped resources.</param>
    /// <param name="name">The name.</param>
    /// <returns>A copy of the object, or <see langword="null"/> if absent.</returns>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    public JsonObject? GetObject(string group, string version, string plural, string? ns, string name) =>
        _store.Get(Type(group, version, plural), ns, name);

    /// <summary>Lists objects from the store, sorted by namespace and name.</summary>
    /// <param name="group">The API group; "" for core.</param>
    /// <param name="version">The version.</param>
    /// <param name="plural">The resource.</param>
    /// <param name="ns">The namespace; <see langword="null"/> = all.</param>
    /// <returns>Copies of the objects.</returns>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    public IReadOnlyList<JsonObject> ListObjects(string group, string version, string plural, string? ns = null) =>
        _store.List(Type(group, version, plural), ns, ObjectFilter.All).Items;

    /// <summary>Forgets the watch history, as etcd compaction does: a later watch from any older resourceVersion gets
    /// an ERROR event with a 410 Expired Status. Open watches are not affected.</summary>
    public void CompactWatchHistory() => _store.CompactHistory();

    /// <summary>Stops the server; open watches end cleanly.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ClusterName} ({_baseAddress})";

    private ResourceType Type(string group, string version, string plural) =>
        _registry.Find(group, version, plural) ?? throw new ArgumentException($"{plural}.{group}/{version} is not served by {ClusterName}", nameof(plural));

    private void InstallInitialObjects()
    {
        foreach (var ns in DefaultNamespaces)
        {
            _store.Create(ResourceType.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, dryRun: false);
        }

        var files = _options.CrdFiles
            ?? (Directory.Exists(FakeKubernetesApiServerOptions.DefaultCrdDirectory)
                ? Directory.GetFiles(FakeKubernetesApiServerOptions.DefaultCrdDirectory, "*.yaml").Order(StringComparer.Ordinal).ToArray()
                : []);
        foreach (var file in files)
        {
            try
            {
                foreach (var document in YamlJson.ParseDocuments(File.ReadAllText(file)).OfType<JsonObject>())
                {
                    if ((string?)document["kind"] == "CustomResourceDefinition")
                    {
                        var crd = _store.Create(ResourceType.CustomResourceDefinitions, null, document, dryRun: false);
                        SyncCrd((string)crd["metadata"]!["name"]!);
                    }
                }
            }
            catch (Exception e) when (e is ApiException or YamlException or IOException)
            {
                throw new InvalidOperationException($"Cannot install the CRDs of {file}: {e.Message}", e);
            }
        }
    }

    /// <summary>Makes the served resources follow a CRD's stored state; drops the objects of resources it no longer serves.</summary>
    private void SyncCrd(string name)
    {
        var crd = _store.Get(ResourceType.CustomResourceDefinitions, null, name);
        var types = crd is null ? [] : ResourceType.FromCrd(crd, []);
        foreach (var gone in _registry.SetCrd(name, types))
        {
            _store.RemoveAll(gone);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await RouteAsync(context, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var status = e switch
            {
                ApiException api => api.ToStatus(),
                JsonException or YamlException or FormatException or InvalidOperationException =>
                    ApiException.BadRequest($"the request body is not a valid object: {e.Message}").ToStatus(),
                _ => ApiException.Status(500, "InternalError", $"Internal error occurred: {e.Message}"),
            };
            await WriteJsonAsync(context, (int)status["code"]!, status, cancel.Token);
        }
    }

    private async Task RouteAsync(HttpContext context, CancellationToken ct)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var types = _registry.All;
        JsonObject? document;
        switch (segments)
        {
            case ["healthz" or "livez" or "readyz"]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", ct);
                return;
            case ["version"]:
                document = ApiDiscovery.Version();
                break;
            case ["api"]:
                document = ApiDiscovery.CoreVersions(BaseAddress.Authority);
                break;
            case ["apis"]:
                document = ApiDiscovery.GroupList(types);
                break;
            case ["api", var version]:
                document = ApiDiscovery.ResourceList(types, "", version);
                break;
            case ["apis", var group]:
                document = ApiDiscovery.Group(types, group);
                break;
            case ["apis", var group, var version]:
                document = ApiDiscovery.ResourceList(types, group, version);
                break;
            case ["openapi", "v3"]:
                document = ApiDiscovery.OpenApiIndex(types, _registry.Revision);
                break;
            case ["openapi", "v3", .. var path]:
                document = ApiDiscovery.OpenApiDocument(types, string.Join('/', path));
                break;
            case ["api", var version, .. var rest]:
                await ResourceAsync(context, "", version, rest, ct);
                return;
            case ["apis", var group, var version, .. var rest]:
                await ResourceAsync(context, group, version, rest, ct);
                return;
            default:
                document = null;
                break;
        }

        await WriteJsonAsync(context, 200, document ?? throw ApiException.NotFound("the server could not find the requested resource"), ct);
    }

    private async Task ResourceAsync(HttpContext context, string group, string version, string[] path, CancellationToken ct)
    {
        var (type, ns, name, scope) = Resolve(group, version, path);
        var request = context.Request;
        var query = request.Query;
        var dryRun = query.ContainsKey("dryRun");
        var format = OutputFormat.Negotiate(request.Headers.Accept, query["includeObject"]);
        JsonObject result;
        switch (request.Method)
        {
            case "GET" when name is null:
                var filter = ObjectFilter.Parse(query["labelSelector"], query["fieldSelector"]);
                if (query["watch"] is ["true"] or ["1"])
                {
                    await WatchAsync(context, type, ns, filter, format, ct);
                    return;
                }

                var (items, listVersion) = _store.List(type, ns, filter);
                await WriteJsonAsync(context, 200, RenderList(type, items, listVersion, format), ct);
                return;
            case "GET":
                result = _store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
                await WriteJsonAsync(context, 200, Render(type, result, format), ct);
                return;
            case "POST" when name is null && scope == WriteScope.Main && (ns is not null || !type.Namespaced):
                var created = await ReadObjectAsync(request, ct);
                Decode(context, type, created, WriteVerb.Create);
                result = _store.Create(type, ns, created, dryRun);
                AfterWrite(type, result, dryRun);
                await WriteJsonAsync(context, 201, Render(type, result, format), ct);
                return;
            case "PUT" when name is not null:
                var body = await ReadObjectAsync(request, ct);
                Decode(context, type, body, WriteVerb.Update);
                result = Update(type, ns, name, scope, dryRun, _ =>
                {
                    ResourceVersionRequiredOnUpdate.Check(type, name, body);
                    return body;
                });
                break;
            case "PATCH" when name is not null:
                var patcher = PatchMediaTypes.Patcher(type, (request.ContentType ?? "").Split(';')[0].Trim(), await ReadBodyAsync(request, ct));
                result = Update(type, ns, name, scope, dryRun, current =>
                {
                    var patched = patcher(current) as JsonObject ?? throw ApiException.BadRequest("the patched object is not a JSON object");
                    Decode(context, type, patched, WriteVerb.Patch);
                    return patched;
                });
                break;
            case "DELETE" when name is not null && scope == WriteScope.Main:
                result = _store.Delete(type, ns, name, await ReadBodyAsync(request, ct) as JsonObject, dryRun);
                AfterWrite(type, result, dryRun);
                var answer = DeleteResponse.For(type, result);
                await WriteJsonAsync(context, 200, ReferenceEquals(answer, result) ? Render(type, result, format) : answer, ct);
                return;
            default:
                throw ApiException.MethodNotAllowed(request.Method);
        }

        AfterWrite(type, result, dryRun);
        await WriteJsonAsync(context, 200, Render(type, result, format), ct);
    }

    /// <summary>Parses <c>[namespaces/{ns}/]{plural}[/{name}[/status]]</c>.</summary>
    private (ResourceType Type, string? Namespace, string? Name, WriteScope Scope) Resolve(string group, string version, string[] path)
    {
        string? ns = null;
        if (path is ["namespaces", var namespaceName, var next, ..] && next is not ("status" or "finalize"))
        {
            ns = namespaceName;
            path = path[2..];
        }

        var type = path.Length is >= 1 and <= 3 ? _registry.Find(group, version, path[0]) : null;
        if (type is null || (ns is not null && !type.Namespaced) || (path.Length > 1 && type.Namespaced && ns is null)
            || (path.Length == 3 && !(path[2] == "status" && type.HasStatusSubresource)))
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        return (type, ns, path.Length > 1 ? path[1] : null, path.Length == 3 ? WriteScope.Status : WriteScope.Main);
    }

    private void AfterWrite(ResourceType type, JsonObject result, bool dryRun)
    {
        if (type.IsCrd && !dryRun)
        {
            SyncCrd((string)result["metadata"]!["name"]!);
        }
    }

    /// <summary>Serves a watch: newline-delimited JSON events, flushed one by one.</summary>
    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns, ObjectFilter filter, OutputFormat format, CancellationToken ct)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] is ["true"] or ["1"];
        var sendInitialEvents = query["sendInitialEvents"] is ["true"];
        long? from = null;
        if (!sendInitialEvents && query["resourceVersion"].ToString() is { Length: > 0 } text && text != "0")
        {
            from = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resourceVersion \"{text}\"");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        ObjectStore.Subscription subscription;
        try
        {
            subscription = _store.Watch(type, ns, filter, from);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            await WriteEventAsync(context, "ERROR", e.ToStatus(), timeout.Token);
            return;
        }

        using (subscription)
        {
            try
            {
                await context.Response.StartAsync(timeout.Token);
                foreach (var initial in subscription.Initial)
                {
                    await WriteEventAsync(context, initial.Type, Render(type, initial.Object, format), timeout.Token);
                }

                if (sendInitialEvents && bookmarks)
                {
                    await WriteEventAsync(context, "BOOKMARK", Bookmark(type, subscription.Version, format, initialEventsEnd: true), timeout.Token);
                }

                await context.Response.Body.FlushAsync(timeout.Token);
                Task<bool>? waiting = null;
                Task? tick = null;
                while (true)
                {
                    waiting ??= subscription.Events.WaitToReadAsync(timeout.Token).AsTask();
                    if (bookmarks)
                    {
                        tick ??= Task.Delay(_options.BookmarkInterval, timeout.Token);
                        if (await Task.WhenAny(waiting, tick) == tick)
                        {
                            timeout.Token.ThrowIfCancellationRequested();
                            tick = null;
                            if (_store.BookmarkVersion(subscription) is { } version)
                            {
                                await WriteEventAsync(context, "BOOKMARK", Bookmark(type, version, format, initialEventsEnd: false), timeout.Token);
                            }

                            continue;
                        }
                    }

                    if (!await waiting)
                    {
                        return;
                    }

                    waiting = null;
                    while (subscription.Events.TryRead(out var change))
                    {
                        await WriteEventAsync(context, change.Type, Render(type, change.Object, format), timeout.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // timeoutSeconds elapsed, the client went away, or the server is stopping: end the stream.
            }
        }
    }

    private static JsonObject Bookmark(ResourceType type, long version, OutputFormat format, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return format.Shape switch
        {
            OutputShape.Table => new JsonObject
            {
                ["kind"] = "Table",
                ["apiVersion"] = "meta.k8s.io/" + format.MetaVersion,
                ["metadata"] = metadata,
                ["columnDefinitions"] = new JsonArray(),
                ["rows"] = new JsonArray(),
            },
            OutputShape.PartialMetadata => new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/" + format.MetaVersion, ["metadata"] = metadata },
            _ => new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.GroupVersion, ["metadata"] = metadata },
        };
    }

    private JsonObject Render(ResourceType type, JsonObject obj, OutputFormat format) => format.Shape switch
    {
        OutputShape.Table => TableConverter.ToTable(type, [obj], null, format, _options.TimeProvider.GetUtcNow()),
        OutputShape.PartialMetadata => TableConverter.PartialMetadata(obj, format.MetaVersion),
        _ => obj,
    };

    private JsonObject RenderList(ResourceType type, List<JsonObject> items, long version, OutputFormat format)
    {
        var rv = version.ToString(CultureInfo.InvariantCulture);
        return format.Shape switch
        {
            OutputShape.Table => TableConverter.ToTable(type, items, rv, format, _options.TimeProvider.GetUtcNow()),
            OutputShape.PartialMetadata => new JsonObject
            {
                ["kind"] = "PartialObjectMetadataList",
                ["apiVersion"] = "meta.k8s.io/" + format.MetaVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
                ["items"] = new JsonArray(items.Select(i => (JsonNode?)TableConverter.PartialMetadata(i, format.MetaVersion)).ToArray()),
            },
            _ => new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.GroupVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
                ["items"] = new JsonArray(items.Select(i => (JsonNode?)i).ToArray()),
            },
        };
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true)
        {
            // kubectl's typed commands for built-in kinds (e.g. "kubectl create namespace") send protobuf.
            throw new ApiException(415, "UnsupportedMediaType", "the sandbox API server does not read protobuf; send JSON (e.g. kubectl apply -f)");
        }

        return request.ContentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true
            ? YamlJson.ParseDocuments(text) is [var first, ..] ? first : null
            : JsonNode.Parse(text);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken ct) =>
        await ReadBodyAsync(request, ct) as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body, CancellationToken ct)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(JsonOptions), ct);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString(JsonOptions) + "\n";
        await context.Response.WriteAsync(line, ct);
        await context.Response.Body.FlushAsync(ct);
    }

    /// <summary>Leaves the process's signals (Ctrl+C, SIGTERM) to the host that owns it.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
