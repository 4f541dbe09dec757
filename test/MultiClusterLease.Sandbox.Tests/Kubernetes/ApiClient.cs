using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

/// <summary>A raw HTTP client for the fake API server, as tests need it: every answer is status + JSON body.</summary>
internal sealed class ApiClient : IDisposable
{
    public const string Group = "multicluster.core.cnrm.cloud.google.com";
    public const string ApiVersion = "v1alpha1";
    public const string Plural = "multiclusterleases";
    public const string Leases = $"/apis/{Group}/{ApiVersion}/namespaces/default/{Plural}";
    public const string AllLeases = $"/apis/{Group}/{ApiVersion}/{Plural}";
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    private readonly HttpClient _http;

    public ApiClient(FakeKubernetesApiServer server)
    {
        _http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
    }

    /// <summary>A MultiClusterLease with a valid spec.</summary>
    public static JsonObject Lease(string name, string holder = "pod-a", JsonObject? labels = null) => new()
    {
        ["apiVersion"] = $"{Group}/{ApiVersion}",
        ["kind"] = "MultiClusterLease",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject { ["holderIdentity"] = holder, ["leaseDurationSeconds"] = 15, ["renewDeadlineSeconds"] = 10 },
    };

    public static string Rv(JsonObject obj) => (string)obj["metadata"]!["resourceVersion"]!;

    public static long Generation(JsonObject obj) => (long)obj["metadata"]!["generation"]!;

    public async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(
        HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await _http.SendAsync(request, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    public Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);

    public Task<(HttpStatusCode Status, JsonObject Body)> PatchAsync(string path, string contentType, JsonNode patch) =>
        SendAsync(HttpMethod.Patch, path, patch, contentType);

    /// <summary>Sends a request that must succeed with <paramref name="expected"/>; returns the body.</summary>
    public async Task<JsonObject> ExpectAsync(HttpStatusCode expected, HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        var (status, answer) = await SendAsync(method, path, body, contentType);
        Assert.True(status == expected, $"{method} {path}: expected {expected}, got {status}: {answer.ToJsonString()}");
        return answer;
    }

    public Task<JsonObject> CreateAsync(JsonObject obj) => ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, Leases, obj);

    public Task<JsonObject> MergeAsync(string name, JsonNode patch, bool status = false) =>
        ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Leases}/{name}{(status ? "/status" : "")}", patch, MergePatch);

    /// <summary>Opens a watch; the stream is read line by line.</summary>
    public async Task<WatchReader> WatchAsync(string pathAndQuery, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new WatchReader(response, await response.Content.ReadAsStreamAsync());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Reads a watch stream's newline-delimited events.</summary>
internal sealed class WatchReader(HttpResponseMessage response, Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    /// <summary>Reads the next event; <see langword="null"/> when the server ended the stream.</summary>
    /// <exception cref="TimeoutException">No event within <paramref name="timeout"/> (default 5 s).</exception>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var line = await _reader.ReadLineAsync(cancel.Token);
            return line is null ? null : JsonNode.Parse(line)!.AsObject();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no watch event in time");
        }
    }

    /// <summary>Reads the next event, which must be of <paramref name="type"/>; returns its object.</summary>
    public async Task<JsonObject> ExpectAsync(string type)
    {
        var next = await NextAsync() ?? throw new InvalidOperationException($"the watch ended while waiting for {type}");
        Assert.Equal(type, (string?)next["type"]);
        return next["object"]!.AsObject();
    }

    public void Dispose()
    {
        _reader.Dispose();
        response.Dispose();
    }
}
