using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Kubernetes.Auth;
using MultiClusterLease.Kubernetes.Config;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>Builds the HTTP handler chain of a <see cref="KubernetesApiClient"/>: authentication over TLS sockets.</summary>
internal static class HttpPipeline
{
    /// <summary>Builds <see cref="AuthenticationHandler"/> over <paramref name="transport"/> or over a TLS-configured <see cref="SocketsHttpHandler"/>.</summary>
    /// <param name="configuration">Server, TLS and credentials.</param>
    /// <param name="timeProvider">The clock for token refreshes.</param>
    /// <param name="loggerFactory">Loggers.</param>
    /// <param name="transport">A transport to use instead of sockets (tests, in-process servers); TLS settings then do not apply.</param>
    /// <returns>The outermost handler.</returns>
    public static HttpMessageHandler Create(
        KubernetesClientConfiguration configuration, TimeProvider timeProvider, ILoggerFactory loggerFactory, HttpMessageHandler? transport)
    {
        var credentials = CreateCredentials(configuration, timeProvider, loggerFactory);
        transport ??= CreateSocketsHandler(configuration, credentials as ExecCredentialProvider);
        return new AuthenticationHandler(credentials, transport);
    }

    /// <summary>Chooses the credential source: exec plugin, static token, token file, basic auth, or none.</summary>
    public static ICredentialProvider CreateCredentials(KubernetesClientConfiguration configuration, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        if (configuration.Exec is { } exec)
        {
            return new ExecCredentialProvider(exec, configuration, timeProvider, loggerFactory.CreateLogger<ExecCredentialProvider>());
        }

        if (!string.IsNullOrEmpty(configuration.Token))
        {
            return new StaticCredentialProvider(new AuthenticationHeaderValue("Bearer", configuration.Token));
        }

        if (!string.IsNullOrEmpty(configuration.TokenFile))
        {
            return new TokenFileCredentialProvider(configuration.TokenFile, timeProvider, KubernetesClientConfiguration.TokenFileRefreshInterval);
        }

        if (!string.IsNullOrEmpty(configuration.Username))
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{configuration.Username}:{configuration.Password}"));
            return new StaticCredentialProvider(new AuthenticationHeaderValue("Basic", basic));
        }

        return new StaticCredentialProvider(null);
    }

    /// <summary>A socket handler that trusts only the configured CAs and presents the client certificate.</summary>
    public static SocketsHttpHandler CreateSocketsHandler(KubernetesClientConfiguration configuration, ExecCredentialProvider? exec)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => configuration.InsecureSkipTlsVerify
                || ValidateServerCertificate(certificate, chain, errors, configuration.CertificateAuthorities, configuration.TlsServerName),
        };
        if (exec is not null)
        {
            // The exec plugin runs (in AuthenticationHandler) before a connection is opened, so its certificate is known here.
            var fallback = configuration.ClientCertificate;
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => exec.ClientCertificate ?? fallback!;
        }
        else if (configuration.ClientCertificate is { } certificate)
        {
            ssl.ClientCertificates = [certificate];
        }

        return new SocketsHttpHandler
        {
            SslOptions = ssl,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
    }

    /// <summary>
    /// Checks the server's certificate: valid for <paramref name="serverName"/> (or, if <see langword="null"/>, for the
    /// URL's host as the platform checked), and chaining to one of <paramref name="roots"/> only (or, if
    /// <see langword="null"/>, to the system trust store as the platform checked).
    /// </summary>
    /// <returns>Whether to accept it.</returns>
    public static bool ValidateServerCertificate(
        X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? roots, string? serverName)
    {
        if (certificate is null)
        {
            return false;
        }

        using var owned = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var leaf = owned ?? (X509Certificate2)certificate;
        if (serverName is not null)
        {
            if (!leaf.MatchesHostname(serverName))
            {
                return false;
            }

            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }
}
