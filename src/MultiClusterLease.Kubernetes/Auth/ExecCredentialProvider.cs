using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Auth;

/// <summary>
/// Runs a kubeconfig exec credential plugin (<c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>), caches the token
/// (and client certificate) it prints until <see cref="ExpiryMargin"/> before its <c>expirationTimestamp</c>, and runs it
/// again after that or after a 401. One run at a time.
/// </summary>
internal sealed partial class ExecCredentialProvider : ICredentialProvider
{
    /// <summary>How long before the credential's expiry the plugin is run again: 10 seconds.</summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly ExecCredentialSettings settings;
    private readonly string execInfo;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly SemaphoreSlim runGate = new(1, 1);
    private readonly Lock gate = new();
    private Credential? cached;
    private X509Certificate2? clientCertificate;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="settings">The plugin.</param>
    /// <param name="cluster">The cluster, passed to the plugin when <see cref="ExecCredentialSettings.ProvideClusterInfo"/>.</param>
    /// <param name="timeProvider">The clock for expiry and the run timeout.</param>
    /// <param name="logger">The logger.</param>
    public ExecCredentialProvider(ExecCredentialSettings settings, KubernetesClientConfiguration cluster, TimeProvider timeProvider, ILogger logger)
    {
        this.settings = settings;
        this.timeProvider = timeProvider;
        this.logger = logger;
        execInfo = BuildExecInfo(settings, cluster);
    }

    /// <summary>Gets the client certificate the plugin last returned, or <see langword="null"/>; used at TLS handshakes.</summary>
    public X509Certificate2? ClientCertificate
    {
        get
        {
            lock (gate)
            {
                return clientCertificate;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh)
        {
            return fresh.Header;
        }

        await runGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } other)
            {
                return other.Header;
            }

            var credential = await RunAsync(cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                cached = credential;
                clientCertificate = credential.Certificate ?? clientCertificate;
            }

            return credential.Header;
        }
        finally
        {
            runGate.Release();
        }
    }

    /// <inheritdoc/>
    public void Invalidate(AuthenticationHeaderValue? rejected)
    {
        lock (gate)
        {
            if (cached is not null && cached.Header?.ToString() == rejected?.ToString())
            {
                cached = null;
            }
        }
    }

    private static string BuildExecInfo(ExecCredentialSettings settings, KubernetesClientConfiguration cluster)
    {
        var spec = new JsonObject { ["interactive"] = false };
        if (settings.ProvideClusterInfo)
        {
            var info = new JsonObject { ["server"] = cluster.Server.OriginalString };
            if (cluster.TlsServerName is not null)
            {
                info["tls-server-name"] = cluster.TlsServerName;
            }

            if (cluster.InsecureSkipTlsVerify)
            {
                info["insecure-skip-tls-verify"] = true;
            }

            if (cluster.CertificateAuthorities is { Count: > 0 } cas)
            {
                var pem = string.Concat(cas.Select(c => c.ExportCertificatePem() + "\n"));
                info["certificate-authority-data"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));
            }

            spec["cluster"] = info;
        }

        return new JsonObject { ["apiVersion"] = settings.ApiVersion, ["kind"] = "ExecCredential", ["spec"] = spec }.ToJsonString();
    }

    private Credential? Fresh()
    {
        lock (gate)
        {
            return cached is { } c && (c.Expiry is null || timeProvider.GetUtcNow() < c.Expiry.Value - ExpiryMargin) ? c : null;
        }
    }

    private async Task<Credential> RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(settings.Command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in settings.Args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in settings.Env)
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = execInfo;

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process started");
        }
        catch (Win32Exception ex)
        {
            var hint = string.IsNullOrEmpty(settings.InstallHint) ? "" : " " + settings.InstallHint.Trim();
            throw new HttpRequestException($"exec credential plugin '{settings.Command}' could not be started: {ex.Message}.{hint}", ex);
        }

        using (process)
        {
            process.StandardInput.Close(); // never interactive
            using var timeout = new CancellationTokenSource(settings.Timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            string stdout, stderr;
            try
            {
                var readOut = process.StandardOutput.ReadToEndAsync(linked.Token);
                var readErr = process.StandardError.ReadToEndAsync(linked.Token);
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
                stdout = await readOut.ConfigureAwait(false);
                stderr = await readErr.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already exited
                }

                cancellationToken.ThrowIfCancellationRequested();
                throw new HttpRequestException($"exec credential plugin '{settings.Command}' did not finish within {settings.Timeout.TotalSeconds:0} s.");
            }

            if (process.ExitCode != 0)
            {
                throw new HttpRequestException($"exec credential plugin '{settings.Command}' exited with code {process.ExitCode}: {Truncate(stderr.Trim())}");
            }

            var credential = Parse(stdout);
            LogCredentialObtained(logger, settings.Command, credential.Expiry);
            return credential;
        }
    }

    private Credential Parse(string stdout)
    {
        ExecCredentialDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ExecCredentialDto>(stdout, KubernetesJson.Options);
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException($"exec credential plugin '{settings.Command}' printed invalid JSON: {ex.Message}", ex);
        }

        if (dto is null || dto.Kind != "ExecCredential" || (dto.ApiVersion is not null && dto.ApiVersion != settings.ApiVersion))
        {
            throw new HttpRequestException(
                $"exec credential plugin '{settings.Command}' printed {dto?.ApiVersion}/{dto?.Kind}, not an ExecCredential of {settings.ApiVersion}.");
        }

        var status = dto.Status;
        X509Certificate2? certificate = null;
        if (!string.IsNullOrEmpty(status?.ClientCertificateData) && !string.IsNullOrEmpty(status.ClientKeyData))
        {
            try
            {
                certificate = CertificateLoader.LoadClientCertificate(status.ClientCertificateData, status.ClientKeyData, $"exec credential plugin '{settings.Command}'");
            }
            catch (KubernetesConfigurationException ex)
            {
                throw new HttpRequestException(ex.Message, ex);
            }
        }

        if (string.IsNullOrEmpty(status?.Token) && certificate is null)
        {
            throw new HttpRequestException($"exec credential plugin '{settings.Command}' returned neither status.token nor a client certificate.");
        }

        var header = string.IsNullOrEmpty(status?.Token) ? null : new AuthenticationHeaderValue("Bearer", status.Token);
        return new Credential(header, certificate, status?.ExpirationTimestamp);
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000] + "...";

    private sealed record Credential(AuthenticationHeaderValue? Header, X509Certificate2? Certificate, DateTimeOffset? Expiry);

    private sealed class ExecCredentialDto
    {
        [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }

        [JsonPropertyName("kind")] public string? Kind { get; set; }

        [JsonPropertyName("status")] public ExecCredentialStatusDto? Status { get; set; }
    }

    private sealed class ExecCredentialStatusDto
    {
        [JsonPropertyName("token")] public string? Token { get; set; }

        [JsonPropertyName("expirationTimestamp")] public DateTimeOffset? ExpirationTimestamp { get; set; }

        [JsonPropertyName("clientCertificateData")] public string? ClientCertificateData { get; set; }

        [JsonPropertyName("clientKeyData")] public string? ClientKeyData { get; set; }
    }
}
