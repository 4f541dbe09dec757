using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Sandbox.Faults;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>
/// An in-process HTTP server speaking the object calls of the GCS JSON API (https://cloud.google.com/storage/docs/json_api/v1/objects)
/// as Google's clients (Google.Cloud.Storage.V1, gcloud storage) use them:
/// <list type="bullet">
/// <item><c>GET /storage/v1/b/B/o/O</c>: metadata; with <c>alt=media</c> (also under <c>/download/storage/v1/…</c>) the data,
/// with <c>x-goog-generation</c>, <c>x-goog-metageneration</c> and <c>x-goog-hash</c> (crc32c, md5) headers.</item>
/// <item><c>POST /upload/storage/v1/b/B/o?uploadType=media&amp;name=O</c>, <c>uploadType=multipart</c> (<c>multipart/related</c>:
/// metadata JSON, then data; CRLF or LF line ends), or <c>uploadType=resumable</c>: a session at the <c>Location</c>
/// answered, fed by <c>PUT</c>s with <c>Content-Range</c> (308 with <c>Range</c> until the last byte, status queries
/// <c>bytes */N</c>), cancelled by <c>DELETE</c> (499); it commits, and checks its preconditions, at its last byte.</item>
/// <item><c>DELETE /storage/v1/b/B/o/O</c>; <c>GET /storage/v1/b/B/o</c> with <c>prefix</c>, <c>delimiter</c> (→ <c>prefixes</c>),
/// <c>maxResults</c> and <c>pageToken</c>; <c>GET /storage/v1/b/B</c>.</item>
/// </list>
/// Request bodies may be gzip-encoded (Google's .NET client compresses them). <c>generation</c>, <c>ifGenerationMatch</c>
/// (0 = must not exist) and <c>ifGenerationNotMatch</c> are honoured; failures are GCS's error JSON (412
/// <c>conditionNotMet</c>; 304 for a read whose <c>ifGenerationNotMatch</c> fails, as GCS does). Unknown buckets are 404.
/// JSON answers have no null fields. <see cref="Faults"/> runs first, and counts requests as
/// <c>read|write|upload|delete|list|bucket BUCKET/OBJECT</c>: <c>write</c> is a request that commits an object (an
/// insert, or the last <c>PUT</c> of a resumable upload), <c>upload</c> the other requests of a resumable upload.
/// </summary>
public sealed class FakeGcsServer : IAsyncDisposable
{
    private const string RateLimitMessage =
        "The object exceeded the rate limit for object mutation operations (create, update, and delete). Please reduce your request rate. See https://cloud.google.com/storage/docs/gcs429.";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly WebApplication _app;
    private readonly FakeGcsServerOptions _options;
    private readonly FakeGcsStore _store;
    private readonly UploadSessions _uploads = new();
    private readonly ConcurrentDictionary<int, long> _responses = new();
    private int _disposed;

    private FakeGcsServer(WebApplication app, FakeGcsServerOptions options)
    {
        _app = app;
        _options = options;
        _store = new FakeGcsStore(options);
        Faults = new FaultInjector(options.Seed) { Classify = Classify };
    }

    /// <summary>Gets the server's address, e.g. <c>http://127.0.0.1:4443/</c>: the backend's <c>Endpoint</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the fault injector, the first middleware. Its counters name requests <c>read|write|upload|delete|list|bucket BUCKET/OBJECT</c>.</summary>
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
    /// <param name="kind"><c>read</c>, <c>write</c> (a request that commits an object), <c>upload</c> (the other requests of a resumable upload), <c>delete</c>, <c>list</c> or <c>bucket</c>.</param>
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

    /// <summary>
    /// Names a request for <see cref="FaultInjector.Counts"/>: <c>read BUCKET/OBJECT</c>, <c>write BUCKET/OBJECT</c> (an
    /// insert, named by its <c>name</c> query parameter, empty when only the multipart metadata names the object; or the
    /// last <c>PUT</c> of a resumable upload), <c>upload BUCKET/OBJECT</c> (the other requests of a resumable upload; an
    /// initiation that names the object only in its body has an empty name),
    /// <c>delete BUCKET/OBJECT</c>, <c>list BUCKET/PREFIX</c>, <c>bucket BUCKET/</c>, else <c>METHOD PATH</c>.
    /// </summary>
    private string Classify(HttpRequest request)
    {
        var target = GcsRequestTarget.Parse(request);
        switch (target.Operation)
        {
            case GcsOperation.Unknown:
                return $"{request.Method} {request.Path}";
            case GcsOperation.List:
                return $"list {target.Bucket}/{request.Query["prefix"]}";
            case GcsOperation.GetBucket:
                return $"bucket {target.Bucket}/";
            case GcsOperation.Get:
                return $"read {target.Bucket}/{target.ObjectName}";
            case GcsOperation.Insert:
                return $"write {target.Bucket}/{target.ObjectName}";
            case GcsOperation.Delete:
                return $"delete {target.Bucket}/{target.ObjectName}";
            case GcsOperation.PutResumable when _uploads.Find(target.UploadId) is { } session:
                var completes = UploadRange.TryParse(request.Headers.ContentRange, request.ContentLength ?? 0, out var range)
                    && session.Committed is null
                    && range.Completes(session.Received);
                return $"{(completes ? "write" : "upload")} {session.Bucket}/{session.Name}";
            case GcsOperation.CancelResumable when _uploads.Find(target.UploadId) is { } session:
                return $"upload {session.Bucket}/{session.Name}";
            default:
                return $"upload {target.Bucket}/{target.ObjectName}";
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var target = GcsRequestTarget.Parse(context.Request);
        if (context.Request.Headers.ContentEncoding.ToString().Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.Body = new GZipStream(context.Request.Body, CompressionMode.Decompress);
            context.Request.Headers.ContentLength = null;
        }

        try
        {
            await (target.Operation switch
            {
                GcsOperation.GetBucket => GetBucketAsync(context, target),
                GcsOperation.Get => GetAsync(context, target),
                GcsOperation.List => ListAsync(context, target),
                GcsOperation.Insert => InsertAsync(context, target),
                GcsOperation.StartResumable => StartResumableAsync(context, target),
                GcsOperation.PutResumable => PutResumableAsync(context, target),
                GcsOperation.CancelResumable => CancelResumableAsync(context, target),
                GcsOperation.Delete => DeleteAsync(context, target),
                _ => ErrorAsync(context, 404, "notFound", $"Not Found: the fake GCS server does not serve {context.Request.Method} {context.Request.Path}"),
            });
        }
        finally
        {
            _responses.AddOrUpdate(context.Response.StatusCode, 1, (_, n) => n + 1);
        }
    }

    private Task GetBucketAsync(HttpContext context, GcsRequestTarget target)
        => _store.BucketExists(target.Bucket)
            ? WriteJsonAsync(context, 200, GcsResources.Bucket(target.Bucket))
            : StoreErrorAsync(context, target, StoreStatus.NoSuchBucket);

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
        if (alt != "media" && !context.Request.Path.StartsWithSegments("/download", StringComparison.Ordinal))
        {
            await WriteJsonAsync(context, 200, GcsResources.Object(stored, BaseAddress));
            return;
        }

        var headers = context.Response.Headers;
        headers["x-goog-generation"] = stored.Generation.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-metageneration"] = stored.Metageneration.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-stored-content-length"] = stored.Data.Length.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-stored-content-encoding"] = "identity";
        headers["x-goog-hash"] = new Microsoft.Extensions.Primitives.StringValues([$"crc32c={stored.Crc32c}", $"md5={stored.Md5Hash}"]);
        headers.ETag = $"\"{GcsResources.ETag(stored)}\"";
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

        var query = context.Request.Query;
        var maxResults = ObjectListing.MaxResults;
        if (query["maxResults"].ToString() is { Length: > 0 } max
            && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxResults) || maxResults < 1))
        {
            await ErrorAsync(context, 400, "invalid", $"Invalid value for maxResults: {max}");
            return;
        }

        ObjectListing page;
        try
        {
            page = ObjectListing.Page(
                _store.List(target.Bucket),
                query["prefix"].ToString(),
                query["delimiter"].ToString(),
                Math.Min(maxResults, ObjectListing.MaxResults),
                query["pageToken"].ToString());
        }
        catch (FormatException)
        {
            await ErrorAsync(context, 400, "invalid", "Invalid page token.");
            return;
        }

        await WriteJsonAsync(context, 200, GcsResources.Fields(
            ("kind", "storage#objects"),
            ("nextPageToken", page.NextPageToken),
            ("prefixes", page.Prefixes.Count == 0 ? null : page.Prefixes),
            ("items", page.Items.Count == 0 ? null : page.Items.Select(o => GcsResources.Object(o, BaseAddress)).ToList())));
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
                await ErrorAsync(context, 400, "invalid", $"Upload type '{other}' is not supported by the fake GCS server (use media, multipart or resumable).");
                return;
        }

        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "required", "Required: the object name (name query parameter or metadata).");
            return;
        }

        await CommitAsync(context, target with { ObjectName = name }, data, contentType, cacheControl, preconditions);
    }

    private async Task StartResumableAsync(HttpContext context, GcsRequestTarget target)
    {
        if (!TryReadPreconditions(context, out var preconditions, out var invalid))
        {
            await ErrorAsync(context, 400, "invalid", invalid);
            return;
        }

        if (!_store.BucketExists(target.Bucket))
        {
            await StoreErrorAsync(context, target, StoreStatus.NoSuchBucket);
            return;
        }

        var body = await ReadAllAsync(context.Request.Body, context.RequestAborted);
        var metadata = body.Length == 0 ? [] : ParseMetadata(body);
        if (metadata is null)
        {
            await ErrorAsync(context, 400, "parseError", "Parse Error: the metadata of a resumable upload must be a JSON object.");
            return;
        }

        var name = string.IsNullOrEmpty(target.ObjectName) ? metadata.GetValueOrDefault("name") : target.ObjectName;
        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "required", "Required: the object name (name query parameter or metadata).");
            return;
        }

        var declared = context.Request.Headers["X-Upload-Content-Type"].ToString();
        var contentType = metadata.GetValueOrDefault("contentType") ?? (declared.Length > 0 ? declared : "application/octet-stream");
        var session = _uploads.Start(target.Bucket, name, contentType, metadata.GetValueOrDefault("cacheControl"), preconditions);
        context.Response.StatusCode = 200;
        context.Response.Headers.Location =
            $"{BaseAddress}upload/storage/v1/b/{Uri.EscapeDataString(target.Bucket)}/o?uploadType=resumable&name={Uri.EscapeDataString(name)}&upload_id={session.Id}";
        context.Response.ContentLength = 0;
    }

    private async Task PutResumableAsync(HttpContext context, GcsRequestTarget target)
    {
        if (_uploads.Find(target.UploadId) is not { } session)
        {
            await ErrorAsync(context, 404, "notFound", $"No such upload: {target.UploadId} (unknown, cancelled or failed)");
            return;
        }

        var chunk = await ReadAllAsync(context.Request.Body, context.RequestAborted);
        if (!UploadRange.TryParse(context.Request.Headers.ContentRange, chunk.Length, out var range)
            || (range.First is null && chunk.Length > 0)
            || (range.First is { } first && range.Last - first + 1 != chunk.Length))
        {
            await ErrorAsync(context, 400, "invalid", $"Invalid Content-Range '{context.Request.Headers.ContentRange}' for a body of {chunk.Length} bytes.");
            return;
        }

        StoredObject? committed;
        lock (session.Gate)
        {
            committed = session.Committed;
            if (committed is null && range.First is { } start && !session.Append(start, chunk))
            {
                committed = null;
                range = range with { Total = -1 };
            }
        }

        if (committed is not null)
        {
            await WriteJsonAsync(context, 200, GcsResources.Object(committed, BaseAddress));
            return;
        }

        if (range.Total == -1)
        {
            await ErrorAsync(context, 400, "invalid", $"Content-Range '{context.Request.Headers.ContentRange}' starts after the {session.Received} bytes received.");
            return;
        }

        if (range.Total is { } total && session.Received == total)
        {
            var result = CommitSession(session);
            if (result.Status is StoreStatus.Ok)
            {
                await WriteJsonAsync(context, 200, GcsResources.Object(result.Object!, BaseAddress));
                return;
            }

            await StoreErrorAsync(context, target with { Bucket = session.Bucket, ObjectName = session.Name }, result.Status);
            return;
        }

        if (range.Total is { } expected && session.Received > expected)
        {
            _uploads.Remove(session.Id);
            await ErrorAsync(context, 400, "invalid", $"The upload received {session.Received} bytes, more than its declared {expected}.");
            return;
        }

        // "Resume Incomplete": the bytes persisted so far.
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        if (session.Received > 0)
        {
            context.Response.Headers["Range"] = $"bytes=0-{session.Received - 1}";
        }

        context.Response.ContentLength = 0;
    }

    private StoreResult CommitSession(UploadSession session)
    {
        lock (session.Gate)
        {
            if (session.Committed is { } done)
            {
                return new(StoreStatus.Ok, done);
            }

            var result = _store.Insert(session.Bucket, session.Name, session.Data, session.ContentType, session.CacheControl, session.Preconditions);
            switch (result.Status)
            {
                case StoreStatus.Ok:
                    session.Committed = result.Object;
                    break;
                case StoreStatus.RateLimited:
                    // Not applied; the client may send the last request again.
                    break;
                default:
                    _uploads.Remove(session.Id);
                    break;
            }

            return result;
        }
    }

    private Task CancelResumableAsync(HttpContext context, GcsRequestTarget target)
    {
        if (_uploads.Find(target.UploadId) is null)
        {
            return ErrorAsync(context, 404, "notFound", $"No such upload: {target.UploadId}");
        }

        _uploads.Remove(target.UploadId);

        // GCS answers a cancelled session with 499 Client Closed Request.
        context.Response.StatusCode = 499;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private async Task CommitAsync(HttpContext context, GcsRequestTarget target, byte[] data, string? contentType, string? cacheControl, Preconditions preconditions)
    {
        var result = _store.Insert(target.Bucket, target.ObjectName, data, string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType, cacheControl, preconditions);
        if (result.Status != StoreStatus.Ok)
        {
            await StoreErrorAsync(context, target, result.Status);
            return;
        }

        await WriteJsonAsync(context, 200, GcsResources.Object(result.Object!, BaseAddress));
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
        if (MultipartRelated.Boundary(request.ContentType) is not { } boundary)
        {
            return null;
        }

        var parts = MultipartRelated.Parse(await ReadAllAsync(request.Body, cancellationToken), boundary);
        if (parts is not [var metadataPart, var mediaPart, ..] || ParseMetadata(metadataPart.Content) is not { } metadata)
        {
            return null;
        }

        return (metadata, mediaPart.ContentType, mediaPart.Content);
    }

    /// <summary>Reads an object resource's fields (strings as they are, others as JSON text), or <see langword="null"/> when the body is not a JSON object.</summary>
    private static Dictionary<string, string?>? ParseMetadata(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var metadata = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }

            return metadata;
        }
        catch (JsonException)
        {
            return null;
        }
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
        var detail = GcsResources.Fields(
            ("message", message),
            ("domain", "global"),
            ("reason", reason),
            ("locationType", headerLocation is null ? null : "header"),
            ("location", headerLocation));
        return WriteJsonAsync(context, code, new { error = new { code, message, errors = new[] { detail } } });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, object payload)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, payload, Json, context.RequestAborted);
    }
}
