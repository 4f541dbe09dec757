using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>An in-memory transport: records each request (with its body read out) and answers with <see cref="Respond"/>.</summary>
public sealed class FakeHttpHandler : HttpMessageHandler
{
    public FakeHttpHandler(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>? respond = null)
    {
        Respond = respond ?? ((_, _) => Task.FromResult(Json(HttpStatusCode.OK, "{}")));
    }

    public Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static HttpResponseMessage Json(HttpStatusCode status, string json)
        => new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.TryGetValues("User-Agent", out var agent) ? string.Join(" ", agent) : "",
            request.Headers.Authorization?.ToString(),
            request.Headers.Accept.ToString(),
            request.Content?.Headers.ContentType?.ToString(),
            body);
        Requests.Enqueue(recorded);
        return await Respond(recorded, cancellationToken);
    }
}

public sealed record RecordedRequest(
    HttpMethod Method, Uri Uri, string UserAgent, string? Authorization, string Accept, string? ContentType, string? Body)
{
    public string PathAndQuery => Uri.PathAndQuery;
}
