// MD5: GCS's md5Hash is MD5 by definition; checking it is no use of MD5 for security.
#pragma warning disable CA5351

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google;
using Google.Apis.Upload;
using Google.Cloud.Storage.V1;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Gcs;
using StorageObject = Google.Apis.Storage.v1.Data.Object;

namespace MultiClusterLease.Backend.Gcs.Tests.Sandbox.Gcs;

/// <summary>Google's own .NET client (Google.Cloud.Storage.V1) against the fake bucket: every call the backend makes, uploads, listing.</summary>
public sealed class StorageClientTests : IAsyncLifetime
{
    private const string Bucket = "client-bucket";
    private const string ApplicationName = "fake-gcs-client-test/1.0";

    private FakeGcsServer _server = null!;
    private StorageClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGcsServer.StartAsync(new FakeGcsServerOptions { Buckets = [Bucket], EnforceWriteRateLimit = false }, CancellationToken.None);
        _client = await new StorageClientBuilder
        {
            BaseUri = $"{_server.BaseAddress}storage/v1/",
            UnauthenticatedAccess = true,
            ApplicationName = ApplicationName,
        }.BuildAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ResumableUpload_WithGzippedMetadata_CommitsAtItsLastPut_WithPreconditions()
    {
        var created = await _client.UploadObjectAsync(
            new StorageObject { Bucket = Bucket, Name = "leases/ns/a", ContentType = "application/json", CacheControl = "no-store" },
            Stream("""{"v":1}"""),
            new UploadObjectOptions { IfGenerationMatch = 0 });
        var exists = await Assert.ThrowsAsync<GoogleApiException>(
            () => _client.UploadObjectAsync(Bucket, "leases/ns/a", "application/json", Stream("{}"), new UploadObjectOptions { IfGenerationMatch = 0 }));
        var updated = await _client.UploadObjectAsync(
            Bucket, "leases/ns/a", "application/json", Stream("""{"v":2}"""), new UploadObjectOptions { IfGenerationMatch = created.Generation });

        Assert.Equal(HttpStatusCode.PreconditionFailed, exists.HttpStatusCode);
        Assert.Equal(("application/json", "no-store"), (created.ContentType, created.CacheControl));
        Assert.NotEqual(created.Generation, updated.Generation);
        Assert.True(_server.TryGetObject(Bucket, "leases/ns/a", out var body, out var generation));
        Assert.Equal(("""{"v":2}""", updated.Generation), (Encoding.UTF8.GetString(body), (long?)generation));

        // Each upload: an initiation (upload) and one PUT that commits (write), told apart by the client's ApplicationName.
        // The initiation names the object only in its (gzipped) body, so its counter has no object name.
        Assert.Equal(3, _server.RequestCount("write", Bucket, "leases/ns/a", caller: ApplicationName));
        Assert.Equal(3, _server.RequestCount("upload", Bucket, caller: ApplicationName));
        Assert.Equal(0, _server.RequestCount("write", caller: "someone-else"));
    }

    [Fact]
    public async Task ChunkedUpload_OfUnknownLength_Gets308WithRange_UntilTheLastChunk_AndTheHashesMatch()
    {
        var data = RandomNumberGenerator.GetBytes((2 * UploadObjectOptions.MinimumChunkSize) + 1000);
        using var source = new NonSeekableStream(data);

        // The client checks the crc32c and md5Hash the server answers against its own (UploadValidationMode.DeleteAndThrow).
        var uploaded = await _client.UploadObjectAsync(
            Bucket, "big", "application/octet-stream", source, new UploadObjectOptions { ChunkSize = UploadObjectOptions.MinimumChunkSize });

        Assert.Equal((ulong)data.Length, uploaded.Size);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(data)), uploaded.Md5Hash);
        Assert.Equal(2, _server.ResponseCount(308));
        Assert.Equal(1, _server.RequestCount("write", Bucket, "big"));
        Assert.Equal(2, _server.RequestCount("upload", Bucket, "big"));

        // The client checks x-goog-hash of the download against the data it receives.
        using var downloaded = new MemoryStream();
        var metadata = await _client.DownloadObjectAsync(Bucket, "big", downloaded);
        Assert.Equal(data, downloaded.ToArray());
        Assert.Equal(uploaded.Generation, metadata.Generation);
    }

    [Fact]
    public async Task ResumableSession_AnswersStatusQueries_ChecksPreconditionsAtCommit_AndCanBeCancelled()
    {
        var sessionUri = await _client.InitiateUploadSessionAsync(Bucket, "late", "text/plain", contentLength: 5, new UploadObjectOptions { IfGenerationMatch = 0 });
        using var http = new HttpClient();
        using var fresh = await PutAsync(http, sessionUri, "bytes */5", []);
        using var firstPart = await PutAsync(http, sessionUri, "bytes 0-1/5", "he"u8.ToArray());
        using var status = await PutAsync(http, sessionUri, "bytes */*", []);
        Assert.Equal((HttpStatusCode)308, fresh.StatusCode);
        Assert.False(fresh.Headers.Contains("Range"));
        Assert.Equal(((HttpStatusCode)308, "bytes=0-1"), (firstPart.StatusCode, Assert.Single(firstPart.Headers.GetValues("Range"))));
        Assert.Equal("bytes=0-1", Assert.Single(status.Headers.GetValues("Range")));

        // Someone else creates the object meanwhile: the precondition (ifGenerationMatch=0) fails at the last byte.
        _server.PutRaw(Bucket, "late", "other"u8.ToArray());
        using var last = await PutAsync(http, sessionUri, "bytes 2-4/5", "llo"u8.ToArray());
        Assert.Equal(HttpStatusCode.PreconditionFailed, last.StatusCode);
        Assert.True(_server.TryGetObject(Bucket, "late", out var body, out _));
        Assert.Equal("other", Encoding.UTF8.GetString(body));

        var cancelled = await _client.InitiateUploadSessionAsync(Bucket, "cancelled", "text/plain", contentLength: null);
        using var cancel = await http.DeleteAsync(cancelled);
        using var afterCancel = await PutAsync(http, cancelled, "bytes 0-1/2", "hi"u8.ToArray());
        Assert.Equal(499, (int)cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterCancel.StatusCode);
        Assert.False(_server.TryGetObject(Bucket, "cancelled", out _, out _));

        // The client's own resumable upload over a session it resumes.
        var resumed = await _client.InitiateUploadSessionAsync(Bucket, "resumed", "text/plain", contentLength: 5);
        var progress = await ResumableUpload.CreateFromUploadUri(resumed, Stream("hello")).UploadAsync();
        Assert.Equal(UploadStatus.Completed, progress.Status);
        Assert.True(_server.TryGetObject(Bucket, "resumed", out var resumedBody, out _));
        Assert.Equal("hello", Encoding.UTF8.GetString(resumedBody));
    }

    [Fact]
    public async Task DownloadAndGetObject_GiveDataGenerationAndHashes_AndMissingObjectsAre404()
    {
        var created = await _client.UploadObjectAsync(Bucket, "leases/ns/b", "application/json", Stream("""{"holderIdentity":"a"}"""));

        using var data = new MemoryStream();
        var downloaded = await _client.DownloadObjectAsync(Bucket, "leases/ns/b", data);
        var metadata = await _client.GetObjectAsync(Bucket, "leases/ns/b");
        var missing = await Assert.ThrowsAsync<GoogleApiException>(() => _client.DownloadObjectAsync(Bucket, "leases/ns/none", new MemoryStream()));
        var noBucket = await Assert.ThrowsAsync<GoogleApiException>(() => _client.DownloadObjectAsync("no-bucket", "x", new MemoryStream()));

        Assert.Equal("""{"holderIdentity":"a"}""", Encoding.UTF8.GetString(data.ToArray()));
        Assert.Equal(created.Generation, downloaded.Generation);
        Assert.Equal(created.Generation, metadata.Generation);
        Assert.Equal(created.Crc32c, metadata.Crc32c);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(data.ToArray())), metadata.Md5Hash);
        Assert.Equal(HttpStatusCode.NotFound, missing.HttpStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noBucket.HttpStatusCode);
        Assert.Equal("The specified bucket does not exist.", noBucket.Error?.Message);
        Assert.Equal(2, _server.RequestCount("read", Bucket, "leases/ns/b", caller: ApplicationName));
    }

    [Fact]
    public async Task Crc32c_IsTheCastagnoliChecksum()
    {
        // The check value of CRC-32C is 0xE3069283 for "123456789".
        var created = await _client.UploadObjectAsync(Bucket, "check", "text/plain", Stream("123456789"));

        Assert.Equal(Convert.ToBase64String([0xE3, 0x06, 0x92, 0x83]), created.Crc32c);
    }

    [Fact]
    public async Task ListObjects_WithDelimiter_GivesPrefixes_AndPagesThroughEverything()
    {
        foreach (var name in new[] { "leases/a/1", "leases/a/2", "leases/b/1", "leases/top", "other" })
        {
            _server.PutRaw(Bucket, name, [1]);
        }

        var all = await _client.ListObjectsAsync(Bucket, "leases/", new ListObjectsOptions { PageSize = 2 }).Select(o => o.Name).ToListAsync();
        var top = await _client.ListObjectsAsync(Bucket, "leases/", new ListObjectsOptions { Delimiter = "/" }).AsRawResponses().FirstAsync();

        Assert.Equal(["leases/a/1", "leases/a/2", "leases/b/1", "leases/top"], all);
        Assert.Equal(["leases/a/", "leases/b/"], top.Prefixes);
        Assert.Equal(["leases/top"], top.Items.Select(o => o.Name));
        Assert.Null(top.NextPageToken);
        Assert.Equal(3, _server.RequestCount("list", Bucket, "leases/"));
    }

    [Fact]
    public async Task DeleteObject_HonoursIfGenerationMatch()
    {
        var created = await _client.UploadObjectAsync(Bucket, "gone", "text/plain", Stream("x"));

        var stale = await Assert.ThrowsAsync<GoogleApiException>(
            () => _client.DeleteObjectAsync(Bucket, "gone", new DeleteObjectOptions { IfGenerationMatch = created.Generation + 1 }));
        await _client.DeleteObjectAsync(Bucket, "gone", new DeleteObjectOptions { IfGenerationMatch = created.Generation });

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.HttpStatusCode);
        Assert.False(_server.TryGetObject(Bucket, "gone", out _, out _));
    }

    [Fact]
    public async Task JsonAnswers_HaveNoNullFields()
    {
        _server.PutRaw(Bucket, "plain", [1]);
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };

        foreach (var path in new[] { $"storage/v1/b/{Bucket}/o/plain", $"storage/v1/b/{Bucket}/o?prefix=none", $"storage/v1/b/{Bucket}/o/missing", $"storage/v1/b/{Bucket}" })
        {
            using var response = await http.GetAsync(path);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(HasNull(json.RootElement), $"{path} answered a null field: {json.RootElement}");
        }

        static bool HasNull(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Null => true,
            JsonValueKind.Object => element.EnumerateObject().Any(p => HasNull(p.Value)),
            JsonValueKind.Array => element.EnumerateArray().Any(HasNull),
            _ => false,
        };
    }

    [Fact]
    public async Task Faults_OfKindWrite_HitTheCommittingPut_OfTheCallerNamedByItsApplicationName()
    {
        _server.Faults.Add(new FaultRule { Caller = "someone-else", Kind = "write", Action = FaultAction.Error, StatusCode = 503 });
        _server.Faults.Add(new FaultRule { Caller = ApplicationName, Kind = "write", Action = FaultAction.DropResponse, RemainingCount = 1 });

        // The upload commits, but the answer to its last PUT is lost; the client asks the session's status, which
        // answers with the object it created.
        var uploaded = await _client.UploadObjectAsync(Bucket, "dropped", "text/plain", Stream("x"));

        Assert.True(_server.TryGetObject(Bucket, "dropped", out _, out var generation));
        Assert.Equal(generation, uploaded.Generation);
        Assert.Equal(1, _server.RequestCount("write", Bucket, "dropped"));
        Assert.Equal(1, _server.RequestCount("upload", Bucket, "dropped"));
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task<HttpResponseMessage> PutAsync(HttpClient http, Uri session, string contentRange, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        return await http.PutAsync(session, content);
    }

    /// <summary>A stream of unknown length: the client then uploads chunk by chunk with <c>bytes a-b/*</c>.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
