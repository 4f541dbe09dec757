using System.Net;
using System.Net.Sockets;

namespace MultiClusterLease.E2E.K3s;

/// <summary>
/// Picks TCP ports on 127.0.0.1 for processes started on this host (the controllers' health ports); also used by
/// MultiClusterLease.Deployment.Tests, which references this runner.
/// </summary>
internal static class LoopbackPort
{
    /// <summary>Gets a port that was free a moment ago: the system assigned it to a listener that is stopped again.</summary>
    /// <returns>The port.</returns>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
