using System.Collections.Concurrent;
using System.Net;
using MultiClusterLease.E2E.K3s;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>One request an OTLP/HTTP exporter sent.</summary>
public sealed record OtlpRequest(string Method, string Path, string? ContentType, byte[] Body);

/// <summary>
/// An OTLP/HTTP receiver on 127.0.0.1 that keeps every request and answers each with 200 and an empty protobuf
/// message (a full success, https://opentelemetry.io/docs/specs/otlp/#full-success-1).
/// </summary>
public sealed class FakeOtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<OtlpRequest> _requests = new();
    private readonly Task _loop;

    public FakeOtlpReceiver()
    {
        var port = LoopbackPort.Free();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"{Endpoint}");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Gets the base address, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<OtlpRequest> Requests => [.. _requests];

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _requests.Enqueue(new OtlpRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
    }
}
