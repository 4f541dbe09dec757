using System.Globalization;
using System.Net.Http.Headers;
using Google;
using Google.Apis.Requests;
using Google.Cloud.Storage.V1;
using MultiClusterLease.Election.Backend;
using StorageObject = Google.Apis.Storage.v1.Data.Object;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// The two GCS calls the lock makes, each one HTTP request through the <see cref="StorageClient"/>, bounded by the
/// request timeout and counted in <see cref="GcsMetrics"/>: a media download (<see cref="StorageClient.DownloadObjectAsync(string, string, Stream, DownloadObjectOptions, CancellationToken, IProgress{Google.Apis.Download.IDownloadProgress})"/>,
/// body and <c>x-goog-generation</c> in one answer) and a multipart upload with <c>ifGenerationMatch</c>. Retries are
/// the caller's business.
/// </summary>
internal sealed class GcsObjectCalls
{
    private const string CacheControl = "no-cache, no-store, must-revalidate";
    private const string JsonMediaType = "application/json";

    private readonly GcsStorageConnection _connection;
    private readonly string _bucket;
    private readonly TimeSpan _requestTimeout;
    private readonly GcsMetrics _metrics;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="connection">The client.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="requestTimeout">The timeout of one request.</param>
    /// <param name="metrics">Metrics.</param>
    /// <param name="time">The clock of the request timeout.</param>
    public GcsObjectCalls(GcsStorageConnection connection, string bucket, TimeSpan requestTimeout, GcsMetrics metrics, TimeProvider time)
    {
        _connection = connection;
        _bucket = bucket;
        _requestTimeout = requestTimeout;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Downloads an object's data and generation: <c>GET …/b/BUCKET/o/OBJECT?alt=media</c>.</summary>
    /// <param name="objectName">The object name (not encoded).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer; on 200 with the body and the <c>x-goog-generation</c> header.</returns>
    /// <exception cref="GcsTransportException">No answer: transport error or request timeout.</exception>
    /// <exception cref="LockBackendException">No access token could be obtained.</exception>
    public Task<GcsResponse> DownloadAsync(string objectName, CancellationToken cancellationToken)
        => SendAsync("read", objectName, [], 0, cancellationToken);

    /// <summary>
    /// Uploads an object with its metadata in one request (https://cloud.google.com/storage/docs/uploading-objects#uploading-an-object,
    /// "multipart upload"): <c>POST upload/storage/v1/b/BUCKET/o?uploadType=multipart&amp;ifGenerationMatch=G</c>, body
    /// <c>multipart/related</c> = the object resource (name, contentType, cacheControl) then the data, sent through the
    /// client's authenticated HTTP client. The client's own <c>UploadObjectAsync</c> always makes a resumable upload:
    /// two requests.
    /// </summary>
    /// <param name="objectName">The object name (not encoded).</param>
    /// <param name="media">The object data (JSON).</param>
    /// <param name="ifGenerationMatch">The precondition; 0 = only if the object does not exist.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer; on 200 with the new object's generation.</returns>
    /// <exception cref="GcsTransportException">No answer: transport error or request timeout. The write may have happened.</exception>
    /// <exception cref="LockBackendException">No access token could be obtained (nothing was sent).</exception>
    public Task<GcsResponse> UploadAsync(string objectName, byte[] media, long ifGenerationMatch, CancellationToken cancellationToken)
        => SendAsync("write", objectName, media, ifGenerationMatch, cancellationToken);

    private static async Task<GcsResponse> MediaDownloadAsync(StorageClient client, string bucket, string objectName, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        var downloaded = await client.DownloadObjectAsync(bucket, objectName, body, options: null, cancellationToken);
        return new GcsResponse(200, body.ToArray(), downloaded?.Generation, "");
    }

    private static async Task<GcsResponse> MultipartUploadAsync(
        StorageClient client, string bucket, string objectName, byte[] media, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        var service = client.Service;

        // The path the library's own uploads use; name is also in the query ("overrides the object metadata's name"),
        // so request logs and the sandbox's per-object counters see it without parsing the body.
        var uri = new Uri(
            new Uri(service.BaseUri),
            $"/upload/{service.BasePath}b/{Uri.EscapeDataString(bucket)}/o?uploadType=multipart"
            + $"&ifGenerationMatch={ifGenerationMatch.ToString(CultureInfo.InvariantCulture)}&name={Uri.EscapeDataString(objectName)}");
        var metadata = service.Serializer.Serialize(new StorageObject { Name = objectName, ContentType = JsonMediaType, CacheControl = CacheControl });
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new MultipartContent("related", "mcl-" + Guid.NewGuid().ToString("N"))
            {
                new StringContent(metadata, System.Text.Encoding.UTF8, JsonMediaType),
                new ByteArrayContent(media) { Headers = { ContentType = new MediaTypeHeaderValue(JsonMediaType) } },
            },
        };

        using var response = await service.HttpClient.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            RequestError? error = null;
            try
            {
                error = await service.DeserializeError(response);
            }
            catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException)
            {
                // Not GCS's error JSON (e.g. a proxy's page): the status is all there is.
            }

            throw new GoogleApiException(service.Name, error?.Message ?? $"HTTP {(int)response.StatusCode}")
            {
                HttpStatusCode = response.StatusCode,
                Error = error,
            };
        }

        var written = await service.DeserializeResponse<StorageObject>(response);
        return new GcsResponse(200, [], written?.Generation, "");
    }

    private async Task<GcsResponse> SendAsync(string operation, string objectName, byte[] media, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var code = "auth_error";
        try
        {
            var client = await _connection.GetAsync(cancellationToken);
            code = "canceled";
            using var timeout = new CancellationTokenSource(_requestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var response = operation == "read"
                    ? await MediaDownloadAsync(client, _bucket, objectName, linked.Token)
                    : await MultipartUploadAsync(client, _bucket, objectName, media, ifGenerationMatch, linked.Token);
                code = "200";
                return response;
            }
            catch (GoogleApiException ex) when (ex.HttpStatusCode != 0)
            {
                var status = (int)ex.HttpStatusCode;
                code = status.ToString(CultureInfo.InvariantCulture);
                return new GcsResponse(status, [], null, Shorten(ex.Error?.Message ?? ex.Message));
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                code = "timeout";
                throw new GcsTransportException($"no answer within the request timeout of {_requestTimeout.TotalSeconds:0.###} s", ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or GoogleApiException)
            {
                // GoogleApiException without a status: the answer could not be read (e.g. a failed hash check).
                code = "transport_error";
                throw new GcsTransportException(ex.Message, ex);
            }
        }
        finally
        {
            _metrics.Record(operation, code, _time.GetElapsedTime(started));
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
