using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sandbox.Gcs;

namespace MultiClusterLease.Backend.Gcs.Tests.Sandbox.Gcs;

public sealed class FakeGcsServerTests : IAsyncLifetime
{
    private const string Bucket = "fake-bucket";
    private const string EncodedName = "leases%2Fns%2Fname";
    private const string Name = "leases/ns/name";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
    private FakeGcsServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGcsServer.StartAsync(new FakeGcsServerOptions { Buckets = [Bucket], TimeProvider = _time }, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("fake-gcs-test/1.0");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task MediaUpload_ThenMediaAndMetadataReads()
    {
        using var upload = await UploadMediaAsync("hello", ifGenerationMatch: 0);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var generation = await GenerationOf(upload);

        using var media = await _http.GetAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?alt=media");
        Assert.Equal("hello", await media.Content.ReadAsStringAsync());
        Assert.Equal(generation.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(media.Headers.GetValues("x-goog-generation")));
        Assert.Equal("1", Assert.Single(media.Headers.GetValues("x-goog-metageneration")));
        Assert.Equal("text/plain", media.Content.Headers.ContentType?.MediaType);

        using var metadata = JsonDocument.Parse(await _http.GetStringAsync($"storage/v1/b/{Bucket}/o/{EncodedName}"));
        Assert.Equal(Name, metadata.RootElement.GetProperty("name").GetString());
        Assert.Equal("5", metadata.RootElement.GetProperty("size").GetString());
        Assert.True(_server.TryGetObject(Bucket, Name, out var body, out var stored));
        Assert.Equal(("hello", generation), (Encoding.UTF8.GetString(body), stored));
    }

    [Fact]
    public async Task MultipartUpload_StoresMetadataAndData()
    {
        using var content = new MultipartContent("related", "b0undary")
        {
            new StringContent("""{"name":"leases/ns/name","contentType":"application/json","cacheControl":"no-store"}""", Encoding.UTF8, "application/json"),
            new StringContent("""{"a":1}""", Encoding.UTF8, "application/octet-stream"),
        };

        using var upload = await _http.PostAsync($"upload/storage/v1/b/{Bucket}/o?uploadType=multipart", content);

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        using var resource = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        Assert.Equal("application/json", resource.RootElement.GetProperty("contentType").GetString());
        Assert.Equal("no-store", resource.RootElement.GetProperty("cacheControl").GetString());
        Assert.True(_server.TryGetObject(Bucket, Name, out var body, out _));
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task Preconditions_FailWithGcsErrors()
    {
        using var created = await UploadMediaAsync("v1", ifGenerationMatch: 0);
        var generation = await GenerationOf(created);
        _time.Advance(TimeSpan.FromSeconds(1));

        using var existsAlready = await UploadMediaAsync("v2", ifGenerationMatch: 0);
        using var stale = await UploadMediaAsync("v2", ifGenerationMatch: generation + 1);
        using var notMatchWrite = await _http.PostAsync(
            $"upload/storage/v1/b/{Bucket}/o?uploadType=media&name={EncodedName}&ifGenerationNotMatch={generation}", new StringContent("v2"));
        using var notMatchRead = await _http.GetAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?alt=media&ifGenerationNotMatch={generation}");
        using var matchRead = await _http.GetAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?alt=media&ifGenerationMatch={generation + 1}");

        foreach (var response in new[] { existsAlready, stale, notMatchWrite, matchRead })
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(412, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("conditionNotMet", error.RootElement.GetProperty("error").GetProperty("errors")[0].GetProperty("reason").GetString());
        }

        Assert.Equal(HttpStatusCode.NotModified, notMatchRead.StatusCode);
        Assert.True(_server.TryGetObject(Bucket, Name, out var body, out var current));
        Assert.Equal(("v1", generation), (Encoding.UTF8.GetString(body), current));

        using var updated = await UploadMediaAsync("v2", ifGenerationMatch: generation);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.True(await GenerationOf(updated) > generation);
    }

    [Fact]
    public async Task Delete_HonoursPreconditions()
    {
        using var created = await UploadMediaAsync("v1", ifGenerationMatch: 0);
        var generation = await GenerationOf(created);
        _time.Advance(TimeSpan.FromSeconds(1));

        using var stale = await _http.DeleteAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?ifGenerationMatch={generation + 1}");
        using var deleted = await _http.DeleteAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?ifGenerationMatch={generation}");
        using var gone = await _http.GetAsync($"storage/v1/b/{Bucket}/o/{EncodedName}?alt=media");

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains($"No such object: {Bucket}/{Name}", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_FiltersByPrefix()
    {
        _server.PutRaw(Bucket, "leases/a/1", [1]);
        _server.PutRaw(Bucket, "leases/b/1", [2]);
        _server.PutRaw(Bucket, "other", [3]);

        using var list = JsonDocument.Parse(await _http.GetStringAsync($"storage/v1/b/{Bucket}/o?prefix=leases%2F"));

        Assert.Equal(
            ["leases/a/1", "leases/b/1"],
            list.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(1, _server.RequestCount("list", Bucket));
    }

    [Fact]
    public async Task UnknownBucket_Is404LikeGcs()
    {
        using var read = await _http.GetAsync($"storage/v1/b/other/o/{EncodedName}?alt=media");
        using var write = await _http.PostAsync($"upload/storage/v1/b/other/o?uploadType=media&name=x", new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
        Assert.Contains("The specified bucket does not exist.", await write.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondWriteWithinOneSecond_Is429_ThenAllowedAfterOneSecond()
    {
        using var first = await UploadMediaAsync("v1", ifGenerationMatch: null);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        using var tooSoon = await UploadMediaAsync("v2", ifGenerationMatch: null);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var later = await UploadMediaAsync("v3", ifGenerationMatch: null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((HttpStatusCode)429, tooSoon.StatusCode);
        Assert.Contains("rateLimitExceeded", await tooSoon.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(1, _server.ResponseCount(429));
        Assert.Equal(3, _server.RequestCount("write", Bucket, Name, caller: "fake-gcs-test"));
        Assert.Equal(0, _server.RequestCount("write", Bucket, Name, caller: "someone-else"));
    }

    [Fact]
    public async Task RandomGenerations_AreUniqueButNotIncreasing()
    {
        await using var server = await FakeGcsServer.StartAsync(
            new FakeGcsServerOptions { Buckets = [Bucket], GenerationMode = GcsGenerationMode.Random, EnforceWriteRateLimit = false, Seed = 1 },
            CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var generations = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await http.PostAsync($"upload/storage/v1/b/{Bucket}/o?uploadType=media&name=x", new StringContent("x"));
            generations.Add(await GenerationOf(response));
        }

        Assert.Equal(generations.Count, generations.Distinct().Count());
        Assert.NotEqual(generations.Order(), generations);
    }

    private Task<HttpResponseMessage> UploadMediaAsync(string data, long? ifGenerationMatch)
    {
        var condition = ifGenerationMatch is { } g ? $"&ifGenerationMatch={g}" : "";
        var content = new StringContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return _http.PostAsync($"upload/storage/v1/b/{Bucket}/o?uploadType=media&name={EncodedName}{condition}", content);
    }

    private static async Task<long> GenerationOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var resource = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return long.Parse(resource.RootElement.GetProperty("generation").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}
