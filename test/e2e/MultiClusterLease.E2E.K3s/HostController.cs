using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace MultiClusterLease.E2E.K3s;

/// <summary>
/// The controller of one cluster, run as a process on this host (<c>dotnet MultiClusterLease.Controller.dll</c>) with
/// the cluster's kubeconfig context, the real bucket and application default credentials, leader election on, as the
/// deployment runs it. Its output goes to the console, prefixed with the context.
/// </summary>
internal sealed class HostController : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostController(Process process, string context, Uri health)
    {
        _process = process;
        Context = context;
        Health = health;
    }

    /// <summary>Gets the cluster's context.</summary>
    public string Context { get; }

    /// <summary>Gets the base address of the health port.</summary>
    public Uri Health { get; }

    /// <summary>Starts the controller of one cluster.</summary>
    /// <param name="paths">Where the built controller is.</param>
    /// <param name="clusters">The clusters.</param>
    /// <param name="context">This cluster's context.</param>
    /// <param name="settings">The run's settings (bucket, prefix).</param>
    /// <returns>The running controller.</returns>
    public static HostController Start(RepositoryPaths paths, K3sClusters clusters, string context, E2ERunSettings settings)
    {
        var port = LoopbackPort.Free();
        string[] args =
        [
            paths.ControllerDll,
            "--kubeconfig", clusters.KubeconfigPath,
            "--context", context,
            "--gcs-bucket", settings.Bucket,
            "--gcs-prefix", settings.Prefix,
            "--identity", $"e2e-controller-{context}",
            "--leader-elect",
            "--leader-election-namespace", "default",
            "--health-probe-bind-address", $"127.0.0.1:{port}",
        ];
        var process = new Process { StartInfo = Tools.StartInfo("dotnet", args, null, redirect: true) };
        var controller = new HostController(process, context, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => controller.Append(e.Data);
        process.ErrorDataReceived += (_, e) => controller.Append(e.Data);
        Console.WriteLine($"==> starting the controller of {context} on this host (health port {port})");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return controller;
    }

    /// <summary>Waits until /readyz answers 200: the watch is connected and the bucket answers.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">The controller exited, or did not become ready in time.</exception>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the controller of {Context} exited ({_process.ExitCode})");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(Health, "/readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new InvalidOperationException($"the controller of {Context} was not ready within {timeout} (see its output above: Kubernetes access, or the bucket and its credentials)");
    }

    /// <summary>Stops the controller as the kubelet does (SIGTERM), so that it releases its Lease; kills it after 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await Tools.IsOnPathAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            Console.WriteLine($"[{Context}] {line}");
        }
    }
}
