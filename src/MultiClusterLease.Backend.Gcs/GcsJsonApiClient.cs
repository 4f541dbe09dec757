using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// The few GCS JSON API calls the lock needs (https://cloud.google.com/storage/docs/json_api/v1/objects): download
/// (<c>objects.get</c> with <c>alt=media</c>) and multipart upload (<c>objects.insert</c>) with <c>ifGenerationMatch</c>.
/// One call is one HTTP attempt, bounded by the request timeout; retries are the caller's business.
/// </summary>
internal sealed class GcsJsonApiClient
{
    private const string CacheControl = "no-cache, no-store, must-revalidate";

    private readonly Func<HttpClient> _httpClient;
    private readonly GcsEndpoint _endpoint;
    private readonly string _bucket;
    private readonly string _userAgent;
    private readonly TimeSpan _requestTimeout;
    private readonly GcsAccessTokenSource? _tokens;
    private readonly GcsMetrics _metrics;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="httpClient">Gets the HTTP client for a request.</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="userAgent">The User-Agent of every request.</param>
    /// <param name="requestTimeout">The timeout of one request.</param>
    /// <param name="tokens">Access tokens; <see langword="null"/> sends no credentials (emulator).</param>
    /// <param name="metrics">Metrics.</param>
    /// <param name="time">The clock of the request timeout.</param>
    public GcsJsonApiClient(
        Func<HttpClient> httpClient,
        GcsEndpoint endpoint,
        string bucket,
        string userAgent,
        TimeSpan requestTimeout,
        GcsAccessTokenSource? tokens,
        GcsMetrics metrics,
        TimeProvider time)
    {
        _httpClient = httpClient;
        _endpoint = endpoint;
        _bucket = bucket;
        _userAgent = userAgent;
        _requestTimeout = requestTimeout;
        _tokens = tokens;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Downloads an object's data: <c>GET storage/v1/b/BUCKET/o/OBJECT?alt=media</c>.</summary>
    /// <param name="objectName">The object name (not encoded).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer; <see cref="GcsResponse.Generation"/> comes from the <c>x-goog-generation</c> header.</returns>
    /// <exception cref="GcsTransportException">No answer: transport error or request timeout.</exception>
    /// <exception cref="LockBackendException">No access token could be obtained.</exception>
    public Task<GcsResponse> DownloadAsync(string objectName, CancellationToken cancellationToken)
    {
        var uri = new Uri(_endpoint.BaseAddress, $"storage/v1/b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(objectName)}?alt=media");
        return SendAsync("read", new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
    }

    /// <summary>
    /// Uploads an object with metadata in one request (https://cloud.google.com/storage/docs/json_api/v1/how-tos/multipart-upload):
    /// <c>POST upload/storage/v1/b/BUCKET/o?uploadType=multipart&amp;ifGenerationMatch=G</c>, body
    /// <c>multipart/related</c> = metadata JSON (name, contentType, cacheControl) then the media.
    /// </summary>
    /// <param name="objectName">The object name (not encoded).</param>
    /// <param name="media">The object data (JSON).</param>
    /// <param name="ifGenerationMatch">The precondition; 0 = only if the object does not exist.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer; on 200 the body is the object resource.</returns>
    /// <exception cref="GcsTransportException">No answer: transport error or request timeout. The write may have happened.</exception>
    /// <exception cref="LockBackendException">No access token could be obtained (nothing was sent).</exception>
    public Task<GcsResponse> UploadAsync(string objectName, byte[] media, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        // name is also in the query ("overrides the object metadata's name"), so request logs and the sandbox's
        // per-object counters see it without parsing the body.
        var uri = new Uri(
            _endpoint.BaseAddress,
            $"upload/storage/v1/b/{Uri.EscapeDataString(_bucket)}/o?uploadType=multipart&ifGenerationMatch={ifGenerationMatch.ToString(CultureInfo.InvariantCulture)}&name={Uri.EscapeDataString(objectName)}");
        var metadata = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["name"] = objectName,
            ["contentType"] = "application/json",
            ["cacheControl"] = CacheControl,
        });
        var content = new MultipartContent("related", "mcl-" + Guid.NewGuid().ToString("N"))
        {
            new ByteArrayContent(metadata) { Headers = { ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8") } },
            new ByteArrayContent(media) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        return SendAsync("write", new HttpRequestMessage(HttpMethod.Post, uri) { Content = content }, cancellationToken);
    }

    private async Task<GcsResponse> SendAsync(string operation, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var _ = request;
        var started = _time.GetTimestamp();
        var code = "canceled";
        try
        {
            request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
            if (_tokens is not null)
            {
                code = "auth_error";
                var token = await _tokens.GetAccessTokenAsync(_endpoint.BaseAddress.AbsoluteUri, cancellationToken);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                code = "canceled";
            }

            using var timeout = new CancellationTokenSource(_requestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                using var response = await _httpClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                var body = await response.Content.ReadAsByteArrayAsync(linked.Token);
                var status = (int)response.StatusCode;
                code = status.ToString(CultureInfo.InvariantCulture);
                return new GcsResponse(status, body, GenerationHeader(response), RetryAfter(response));
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                code = "timeout";
                throw new GcsTransportException($"no answer within the request timeout of {_requestTimeout.TotalSeconds:0.###} s", ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                code = "transport_error";
                throw new GcsTransportException(ex.Message, ex);
            }
        }
        finally
        {
            _metrics.Record(operation, code, _time.GetElapsedTime(started));
        }
    }

    private static long? GenerationHeader(HttpResponseMessage response)
        => response.Headers.TryGetValues("x-goog-generation", out var values)
           && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            ? generation
            : null;

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow(),
        _ => null,
    };
}

/// <summary>An HTTP answer of GCS.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body.</param>
/// <param name="Generation">The <c>x-goog-generation</c> response header, if present.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> response header, if present.</param>
internal sealed record GcsResponse(int StatusCode, byte[] Body, long? Generation, TimeSpan? RetryAfter)
{
    /// <summary>Gets the message of a GCS error body (<c>{"error":{"code":N,"message":"..."}}</c>), else the body text, shortened.</summary>
    public string ErrorMessage
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Body);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("error", out var error)
                    && error.ValueKind == JsonValueKind.Object
                    && error.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString() ?? "";
                }
            }
            catch (JsonException)
            {
            }

            var text = Encoding.UTF8.GetString(Body).Trim();
            return text.Length <= 200 ? text : text[..200] + "…";
        }
    }
}

/// <summary>A GCS request got no answer: connection error, dropped connection, or request timeout. It may have been processed.</summary>
internal sealed class GcsTransportException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public GcsTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
