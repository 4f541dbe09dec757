using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>
/// A minimal HTTPS/1.1 server on 127.0.0.1: completes TLS with the given certificate (optionally asking for a client
/// certificate), reads one request's headers and answers <c>200 {}</c> with <c>Connection: close</c>.
/// </summary>
public sealed class TlsTestServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 certificate;
    private readonly bool askClientCertificate;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public TlsTestServer(X509Certificate2 certificate, bool askClientCertificate = false)
    {
        this.certificate = certificate;
        this.askClientCertificate = askClientCertificate;
        listener.Start();
        loop = AcceptLoopAsync();
    }

    public Uri Url => new($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

    public string? ClientCertificateThumbprint { get; private set; }

    public int Answered { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var ssl = new SslStream(client.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = askClientCertificate,
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null || !askClientCertificate, // the test checks which one
            }, stop.Token);
            if (ssl.RemoteCertificate is { } remote)
            {
                ClientCertificateThumbprint = remote.GetCertHashString();
            }

            var buffer = new byte[8192];
            var received = new StringBuilder();
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await ssl.ReadAsync(buffer, stop.Token);
                if (n == 0)
                {
                    return;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            await ssl.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"), stop.Token);
            Answered++;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            // the client refused the handshake, or the server is stopping
        }
    }
}
