using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>
/// <see cref="IKubernetesApi"/> over HTTP/JSON (<see cref="KubernetesJson.Options"/>), authenticated and TLS-configured
/// from a <see cref="KubernetesClientConfiguration"/>. Thread-safe; create one per API server and reuse it.
/// A single-object call with a <see langword="null"/> namespace on a namespaced resource uses
/// <see cref="KubernetesClientConfiguration.Namespace"/>. A call that gets no complete answer within
/// <see cref="KubernetesClientOptions.RequestTimeout"/> fails with an <see cref="HttpRequestException"/> whose inner
/// exception is a <see cref="TimeoutException"/>.
/// </summary>
public sealed partial class KubernetesApiClient : IKubernetesApi, IDisposable
{
    private readonly HttpClient http;
    private readonly string baseUrl;
    private readonly TimeSpan requestTimeout;
    private readonly string? fieldManager;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly KubernetesApiMetrics? metrics;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="configuration">The server, TLS settings and credentials.</param>
    /// <param name="options">User agent, request timeout and field manager; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timeouts and credential refreshes; <see langword="null"/> = <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Loggers; <see langword="null"/> = none.</param>
    /// <param name="transport">
    /// A handler to send requests with instead of TLS sockets (an in-process server, a test double); the TLS settings of
    /// <paramref name="configuration"/> then do not apply, authentication still does. It is not disposed with this client.
    /// </param>
    /// <param name="meterFactory">Creates the <see cref="KubernetesApiMetrics.MeterName"/> meter; <see langword="null"/> = no metrics.</param>
    public KubernetesApiClient(
        KubernetesClientConfiguration configuration,
        KubernetesClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        HttpMessageHandler? transport = null,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        metrics = meterFactory is null ? null : new KubernetesApiMetrics(meterFactory);
        ArgumentNullException.ThrowIfNull(configuration);
        options ??= new KubernetesClientOptions();
        Configuration = configuration;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        logger = loggerFactory.CreateLogger<KubernetesApiClient>();
        requestTimeout = options.RequestTimeout;
        fieldManager = options.FieldManager;
        baseUrl = configuration.Server.AbsoluteUri.TrimEnd('/');
        http = new HttpClient(HttpPipeline.Create(configuration, this.timeProvider, loggerFactory, transport), disposeHandler: transport is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", string.IsNullOrWhiteSpace(options.UserAgent) ? KubernetesClientOptions.DefaultUserAgent : options.UserAgent);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Gets the configuration this client was built from.</summary>
    public KubernetesClientConfiguration Configuration { get; }

    /// <inheritdoc/>
    public Task<T> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
        where T : class
        => SendAsync<T>(HttpMethod.Get, type.Path(ObjectNamespace(type, @namespace), name), [], null, cancellationToken);

    /// <inheritdoc/>
    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
        => SendAsync<KubernetesList<T>>(
            HttpMethod.Get,
            type.Path(@namespace),
            [("labelSelector", options?.LabelSelector), ("fieldSelector", options?.FieldSelector)],
            null,
            cancellationToken);

    /// <inheritdoc/>
    public Task<T> CreateAsync<T>(ResourceType type, string? @namespace, T value, CancellationToken cancellationToken = default)
        where T : class
        => SendAsync<T>(
            HttpMethod.Post,
            type.Path(ObjectNamespace(type, @namespace ?? (value as IKubernetesObject)?.Metadata?.Namespace)),
            [("fieldManager", fieldManager)],
            Json(JsonSerializer.Serialize(value, KubernetesJson.Options), "application/json"),
            cancellationToken);

    /// <inheritdoc/>
    public Task<T> PatchAsync<T>(
        ResourceType type, string? @namespace, string name, PatchType patchType, string patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
        => SendAsync<T>(
            HttpMethod.Patch,
            type.Path(ObjectNamespace(type, @namespace), name, subresource),
            [("fieldManager", fieldManager)],
            Json(patch, patchType == PatchType.Json ? "application/json-patch+json" : "application/merge-patch+json"),
            cancellationToken);

    /// <inheritdoc/>
    public Task<T> ReplaceAsync<T>(ResourceType type, string? @namespace, string name, T value, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
        => SendAsync<T>(
            HttpMethod.Put,
            type.Path(ObjectNamespace(type, @namespace), name, subresource),
            [("fieldManager", fieldManager)],
            Json(JsonSerializer.Serialize(value, KubernetesJson.Options), "application/json"),
            cancellationToken);

    /// <inheritdoc/>
    public async Task DeleteAsync(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        using var timeout = NewTimeout();
        using var response = await SendRequestAsync(
            HttpMethod.Delete, type.Path(ObjectNamespace(type, @namespace), name), [], null, HttpCompletionOption.ResponseContentRead, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        ResourceType type, string? @namespace, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = type.Path(@namespace);
        (string, string?)[] query =
        [
            ("watch", "true"),
            ("allowWatchBookmarks", options.AllowBookmarks ? "true" : null),
            ("timeoutSeconds", options.TimeoutSeconds > 0 ? options.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) : null),
            ("resourceVersion", options.ResourceVersion),
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector),
        ];

        using var deadline = NewTimeout();
        using var response = await SendRequestAsync(HttpMethod.Get, path, query, null, HttpCompletionOption.ResponseHeadersRead, deadline, cancellationToken)
            .ConfigureAwait(false);

        // The server ends the stream after timeoutSeconds; the client-side deadline only guards against a silent peer.
        if (options.TimeoutSeconds > 0 && requestTimeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds) + requestTimeout);
        }
        else
        {
            deadline.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false), Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogWatchDeadline(logger, path);
                line = null;
            }
            catch (IOException ex)
            {
                throw new HttpRequestException($"GET {path}: watch stream broken: {ex.Message}", ex);
            }

            if (line is null)
            {
                yield break;
            }

            if (WatchEventParser.Parse<T>(line) is { } watchEvent)
            {
                yield return watchEvent;
            }
        }
    }

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => http.Dispose();

    private static ByteArrayContent Json(string json, string mediaType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string BuildQuery((string Name, string? Value)[] query)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in query)
        {
            if (!string.IsNullOrEmpty(value))
            {
                builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return builder.ToString();
    }

    private static KubernetesStatus DecodeStatus(string body, int code)
    {
        try
        {
            if (body.TrimStart().StartsWith('{')
                && JsonSerializer.Deserialize<KubernetesStatus>(body, KubernetesJson.Options) is { } status
                && (status.Reason is not null || status.Message is not null || status.Status is not null))
            {
                if (status.Code == 0)
                {
                    status.Code = code;
                }

                return status;
            }
        }
        catch (JsonException)
        {
            // not a Status: fall through
        }

        var text = body.Trim();
        return new KubernetesStatus { Status = "Failure", Code = code, Message = text.Length <= 500 ? text : text[..500] + "..." };
    }

    private string? ObjectNamespace(ResourceType type, string? @namespace)
        => !type.Namespaced ? null : string.IsNullOrEmpty(@namespace) ? Configuration.Namespace : @namespace;

    private CancellationTokenSource NewTimeout() => new(requestTimeout, timeProvider);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, (string, string?)[] query, HttpContent? content, CancellationToken cancellationToken)
    {
        using var timeout = NewTimeout();
        using var response = await SendRequestAsync(method, path, query, content, HttpCompletionOption.ResponseContentRead, timeout, cancellationToken)
            .ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(KubernetesJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException($"{method} {path}: the answer has no body");
    }

    /// <summary>Sends one request; throws <see cref="KubernetesApiException"/> for a non-2xx answer.</summary>
    private async Task<HttpResponseMessage> SendRequestAsync(
        HttpMethod method,
        string path,
        (string, string?)[] query,
        HttpContent? content,
        HttpCompletionOption completion,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, baseUrl + path + BuildQuery(query)) { Content = content };
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage? response = null;
        try
        {
            response = await http.SendAsync(request, completion, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = DecodeStatus(body, (int)response.StatusCode);
            LogRequestFailed(logger, method.Method, path, (int)response.StatusCode, status.Reason);
            metrics?.RecordError(method.Method, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            throw new KubernetesApiException(response.StatusCode, status, $"{method.Method} {path}");
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            metrics?.RecordError(method.Method, "timeout");
            throw new HttpRequestException(
                $"{method.Method} {path}: no answer within {requestTimeout.TotalSeconds:0.###} s", new TimeoutException(ex.Message, ex));
        }
        catch (HttpRequestException)
        {
            response?.Dispose();
            metrics?.RecordError(method.Method, "transport_error");
            throw;
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }
}
