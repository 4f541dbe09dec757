using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using MultiClusterLease.Sandbox.Faults;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>
/// An in-process HTTP server speaking the object calls of the GCS JSON API (https://cloud.google.com/storage/docs/json_api/v1/objects):
/// <list type="bullet">
/// <item><c>GET /storage/v1/b/B/o/O</c>: metadata; with <c>alt=media</c> the data, with <c>x-goog-generation</c> and <c>x-goog-metageneration</c> headers.</item>
/// <item><c>POST /upload/storage/v1/b/B/o?uploadType=media&amp;name=O</c> or <c>uploadType=multipart</c> (<c>multipart/related</c>: metadata JSON, then data).</item>
/// <item><c>DELETE /storage/v1/b/B/o/O</c> and <c>GET /storage/v1/b/B/o?prefix=P</c>.</item>
/// </list>
/// <c>generation</c>, <c>ifGenerationMatch</c> (0 = must not exist) and <c>ifGenerationNotMatch</c> are honoured; failures
/// are GCS's error JSON (412 <c>conditionNotMet</c>; 304 for a read whose <c>ifGenerationNotMatch</c> fails, as GCS does).
/// Unknown buckets are 404. <see cref="Faults"/> runs first, and counts requests as <c>read|write|delete|list BUCKET/OBJECT</c>.
/// </summary>
public sealed class FakeGcsServer : IAsyncDisposable
{
    private const string RateLimitMessage =
        "The object exceeded the rate limit for object mutation operations (create, update, and delete). Please reduce your request rate. See https://cloud.google.com/storage/docs/gcs429.";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly WebApplication _app;
    private readonly FakeGcsServerOptions _options;
    private readonly FakeGcsStore _store;
    private readonly ConcurrentDictionary<int, long> _responses = new();
    private int _disposed;

    private FakeGcsServer(WebApplication app, FakeGcsServerOptions options)
    {
        _app = app;
        _options = options;
        _store = new FakeGcsStore(options);
        Faults = new FaultInjector(options.Seed) { Classify = GcsRequestTarget.Classify };
    }

    /// <summary>Gets the server's address, e.g. <c>http://127.0.0.1:4443/</c>: the backend's <c>Endpoint</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the fault injector, the first middleware. Its counters name requests <c>read|write|delete|list BUCKET/OBJECT</c>.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Starts a server on 127.0.0.1.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<FakeGcsServer> StartAsync(FakeGcsServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var server = new FakeGcsServer(app, options);
        app.Use((context, next) => server.Faults.InvokeAsync(context, () => next(context)));
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Reads an object directly (test hook).</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="name">The object name.</param>
    /// <param name="body">The data; empty when absent.</param>
    /// <param name="generation">The generation; 0 when absent.</param>
    /// <returns>Whether the object exists.</returns>
    public bool TryGetObject(string bucket, string name, out byte[] body, out long generation)
    {
        var stored = _store.TryGet(bucket, name);
        body = stored?.Data ?? [];
        generation = stored?.Generation ?? 0;
        return stored is not null;
    }

    /// <summary>Stores an object directly with a new generation, bypassing preconditions and the rate limit (test hook, e.g. to plant a corrupt object).</summary>
    /// <param name="bucket">The bucket; it must exist.</param>
    /// <param name="name">The object name.</param>
    /// <param name="body">The data.</param>
    public void PutRaw(string bucket, string name, byte[] body) => _store.PutRaw(bucket, name, body);

    /// <summary>
    /// Raised for every committed write (insert), in commit order, synchronously under the store's lock: handlers must be
    /// quick. Lets a test keep the history of a lock object, e.g. to check that no write stole an unexpired lock.
    /// </summary>
    public event Action<GcsObjectWrite>? ObjectWritten
    {
        add => _store.Written += value;
        remove => _store.Written -= value;
    }

    /// <summary>Counts requests received (faulted ones included) from <see cref="Faults"/>' counters.</summary>
    /// <param name="kind"><c>read</c>, <c>write</c>, <c>delete</c> or <c>list</c>.</param>
    /// <param name="bucket">Only this bucket; <see langword="null"/> = any.</param>
    /// <param name="objectName">Only this object (for <c>list</c>, this prefix); <see langword="null"/> = any.</param>
    /// <param name="caller">Only callers whose User-Agent contains this; <see langword="null"/> = any.</param>
    /// <returns>The count.</returns>
    public long RequestCount(string kind, string? bucket = null, string? objectName = null, string? caller = null)
    {
        long total = 0;
        foreach (var (key, count) in Faults.Counts())
        {
            var isPerCaller = key.StartsWith("caller:", StringComparison.Ordinal);
            if (isPerCaller != (caller is not null))
            {
                continue;
            }

            var request = key;
            if (isPerCaller)
            {
                var bar = key.IndexOf('|', StringComparison.Ordinal);
                if (bar < 0 || !key.AsSpan(7, bar - 7).Contains(caller, StringComparison.Ordinal))
                {
                    continue;
                }

                request = key[(bar + 1)..];
            }

            var space = request.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || request[..space] != kind)
            {
                continue;
            }

            var path = request[(space + 1)..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || (bucket is not null && path[..slash] != bucket) || (objectName is not null && path[(slash + 1)..] != objectName))
            {
                continue;
            }

            total += count;
        }

        return total;
    }

    /// <summary>Counts the answers the server itself gave with a status (injected faults not included), e.g. 429 for rate-limited writes.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <returns>The count.</returns>
    public long ResponseCount(int statusCode) => _responses.GetValueOrDefault(statusCode);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var target = GcsRequestTarget.Parse(context.Request);
        try
        {
            await (target.Operation switch
            {
                GcsOperation.Get => GetAsync(context, target),
                GcsOperation.List => ListAsync(context, target),
                GcsOperation.Insert => InsertAsync(context, target),
                GcsOperation.Delete => DeleteAsync(context, target),
                _ => ErrorAsync(context, 404, "notFound", $"Not Found: the fake GCS server does not serve {context.Request.Method} {context.Request.Path}"),
            });
        }
        finally
        {
            _responses.AddOrUpdate(context.Response.StatusCode, 1, (_, n) => n + 1);
        }
    }

    private async Task GetAsync(HttpContext context, GcsRequestTarget target)
    {
        if (!TryReadPreconditions(context, out var preconditions, out var invalid))
        {
            await ErrorAsync(context, 400, "invalid", invalid);
            return;
        }

        var alt = context.Request.Query["alt"].ToString();
        if (alt is not ("" or "json" or "media"))
        {
            await ErrorAsync(context, 400, "invalidParameter", $"Invalid value for alt: {alt}");
            return;
        }

        var result = _store.Get(target.Bucket, target.ObjectName, preconditions);
        if (result.Status == StoreStatus.NotModified)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        if (result.Status != StoreStatus.Ok)
        {
            await StoreErrorAsync(context, target, result.Status);
            return;
        }

        var stored = result.Object!;
        if (alt != "media")
        {
            await WriteJsonAsync(context, 200, Resource(stored));
            return;
        }

        var headers = context.Response.Headers;
        headers["x-goog-generation"] = stored.Generation.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-metageneration"] = stored.Metageneration.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-stored-content-length"] = stored.Data.Length.ToString(CultureInfo.InvariantCulture);
        headers.CacheControl = stored.CacheControl ?? "no-cache";
        context.Response.ContentType = stored.ContentType;
        context.Response.ContentLength = stored.Data.Length;
        await context.Response.Body.WriteAsync(stored.Data, context.RequestAborted);
    }

    private async Task ListAsync(HttpContext context, GcsRequestTarget target)
    {
        if (!_store.BucketExists(target.Bucket))
        {
            await StoreErrorAsync(context, target, StoreStatus.NoSuchBucket);
            return;
        }

        var items = _store.List(target.Bucket, context.Request.Query["prefix"].ToString()).Select(Resource).ToList();
        await WriteJsonAsync(context, 200, new Dictionary<string, object?>
        {
            ["kind"] = "storage#objects",
            ["items"] = items.Count == 0 ? null : items,
        });
    }

    private async Task InsertAsync(HttpContext context, GcsRequestTarget target)
    {
        if (!TryReadPreconditions(context, out var preconditions, out var invalid))
        {
            await ErrorAsync(context, 400, "invalid", invalid);
            return;
        }

        var request = context.Request;
        string? name = target.ObjectName;
        string? contentType;
        string? cacheControl = null;
        byte[] data;
        switch (request.Query["uploadType"].ToString())
        {
            case "media":
                contentType = request.ContentType;
                data = await ReadAllAsync(request.Body, context.RequestAborted);
                break;
            case "multipart":
                var parsed = await ReadMultipartAsync(request, context.RequestAborted);
                if (parsed is null)
                {
                    await ErrorAsync(context, 400, "invalid", "Invalid multipart request: expected multipart/related with a JSON metadata part and a media part.");
                    return;
                }

                (var metadata, var mediaType, data) = parsed.Value;
                name = string.IsNullOrEmpty(name) ? metadata.GetValueOrDefault("name") : name;
                contentType = metadata.GetValueOrDefault("contentType") ?? mediaType;
                cacheControl = metadata.GetValueOrDefault("cacheControl");
                break;
            case var other:
                await ErrorAsync(context, 400, "invalid", $"Upload type '{other}' is not supported by the fake GCS server (use media or multipart).");
                return;
        }

        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "required", "Required: the object name (name query parameter or metadata).");
            return;
        }

        target = target with { ObjectName = name };
        var result = _store.Insert(target.Bucket, name, data, string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType, cacheControl, preconditions);
        if (result.Status != StoreStatus.Ok)
        {
            await StoreErrorAsync(context, target, result.Status);
            return;
        }

        await WriteJsonAsync(context, 200, Resource(result.Object!));
    }

    private async Task DeleteAsync(HttpContext context, GcsRequestTarget target)
    {
        if (!TryReadPreconditions(context, out var preconditions, out var invalid))
        {
            await ErrorAsync(context, 400, "invalid", invalid);
            return;
        }

        var result = _store.Delete(target.Bucket, target.ObjectName, preconditions);
        if (result.Status != StoreStatus.Ok)
        {
            await StoreErrorAsync(context, target, result.Status);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static bool TryReadPreconditions(HttpContext context, out Preconditions preconditions, out string error)
    {
        preconditions = default;
        error = "";
        long? generation = null, ifMatch = null, ifNotMatch = null;
        foreach (var (parameter, assign) in new (string, Action<long>)[]
                 {
                     ("generation", v => generation = v),
                     ("ifGenerationMatch", v => ifMatch = v),
                     ("ifGenerationNotMatch", v => ifNotMatch = v),
                 })
        {
            var text = context.Request.Query[parameter].ToString();
            if (text.Length == 0)
            {
                continue;
            }

            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                error = $"Invalid argument: {parameter}={text} is not an int64.";
                return false;
            }

            assign(value);
        }

        preconditions = new Preconditions(generation, ifMatch, ifNotMatch);
        return true;
    }

    private static async Task<(Dictionary<string, string?> Metadata, string? MediaType, byte[] Data)?> ReadMultipartAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return null;
        }

        // Each section must be read before asking for the next one, which drains it.
        var reader = new MultipartReader(boundary, request.Body);
        if (await reader.ReadNextSectionAsync(cancellationToken) is not { } metadataPart)
        {
            return null;
        }

        Dictionary<string, string?> metadata = [];
        try
        {
            using var document = await JsonDocument.ParseAsync(metadataPart.Body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return await reader.ReadNextSectionAsync(cancellationToken) is { } mediaPart
            ? (metadata, mediaPart.ContentType, await ReadAllAsync(mediaPart.Body, cancellationToken))
            : null;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static Task StoreErrorAsync(HttpContext context, GcsRequestTarget target, StoreStatus status) => status switch
    {
        StoreStatus.NoSuchBucket => ErrorAsync(context, 404, "notFound", "The specified bucket does not exist."),
        StoreStatus.NoSuchObject => ErrorAsync(context, 404, "notFound", $"No such object: {target.Bucket}/{target.ObjectName}"),
        StoreStatus.PreconditionFailed => ErrorAsync(context, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.", "If-Match"),
        StoreStatus.RateLimited => ErrorAsync(context, 429, "rateLimitExceeded", RateLimitMessage),
        _ => ErrorAsync(context, 500, "backendError", $"Unexpected store status {status}."),
    };

    /// <summary>Writes GCS's error JSON: <c>{"error":{"code":N,"message":"...","errors":[{"message","domain","reason",...}]}}</c>.</summary>
    private static Task ErrorAsync(HttpContext context, int code, string reason, string message, string? headerLocation = null)
    {
        var detail = new Dictionary<string, object?>
        {
            ["message"] = message,
            ["domain"] = "global",
            ["reason"] = reason,
            ["locationType"] = headerLocation is null ? null : "header",
            ["location"] = headerLocation,
        };
        return WriteJsonAsync(context, code, new { error = new { code, message, errors = new[] { detail } } });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, object payload)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, payload, Json, context.RequestAborted);
    }

    /// <summary>The object resource (https://cloud.google.com/storage/docs/json_api/v1/objects#resource); int64 fields are strings.</summary>
    private Dictionary<string, object?> Resource(StoredObject stored)
    {
        var path = $"b/{Uri.EscapeDataString(stored.Bucket)}/o/{Uri.EscapeDataString(stored.Name)}";
        var generation = stored.Generation.ToString(CultureInfo.InvariantCulture);
        var time = stored.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return new Dictionary<string, object?>
        {
            ["kind"] = "storage#object",
            ["id"] = $"{stored.Bucket}/{stored.Name}/{generation}",
            ["selfLink"] = $"{BaseAddress}storage/v1/{path}",
            ["mediaLink"] = $"{BaseAddress}download/storage/v1/{path}?generation={generation}&alt=media",
            ["name"] = stored.Name,
            ["bucket"] = stored.Bucket,
            ["generation"] = generation,
            ["metageneration"] = stored.Metageneration.ToString(CultureInfo.InvariantCulture),
            ["contentType"] = stored.ContentType,
            ["cacheControl"] = stored.CacheControl,
            ["storageClass"] = "STANDARD",
            ["size"] = stored.Data.Length.ToString(CultureInfo.InvariantCulture),
            ["etag"] = Convert.ToBase64String(BitConverter.GetBytes(stored.Generation)),
            ["timeCreated"] = time,
            ["updated"] = time,
        };
    }
}
