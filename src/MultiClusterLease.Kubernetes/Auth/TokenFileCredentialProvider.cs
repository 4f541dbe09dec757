using System.Net.Http.Headers;

namespace MultiClusterLease.Kubernetes.Auth;

/// <summary>
/// A bearer token read from a file (a pod's projected service account token, or kubeconfig <c>tokenFile</c>) and
/// re-read when older than the refresh interval or after a 401, since the kubelet rotates the file's content.
/// </summary>
internal sealed class TokenFileCredentialProvider : ICredentialProvider
{
    private readonly string path;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan refreshInterval;
    private readonly Lock gate = new();
    private AuthenticationHeaderValue? current;
    private long readTimestamp;
    private bool stale;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="path">The token file.</param>
    /// <param name="timeProvider">The clock deciding when to re-read.</param>
    /// <param name="refreshInterval">The longest time a read token is used before the file is read again.</param>
    public TokenFileCredentialProvider(string path, TimeProvider timeProvider, TimeSpan refreshInterval)
    {
        this.path = path;
        this.timeProvider = timeProvider;
        this.refreshInterval = refreshInterval;
    }

    /// <inheritdoc/>
    public async ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (current is not null && !stale && timeProvider.GetElapsedTime(readTimestamp) < refreshInterval)
            {
                return current;
            }
        }

        string token;
        try
        {
            token = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lock (gate)
            {
                // Keep using the last token rather than failing every request while the file is being replaced.
                return current ?? throw new HttpRequestException($"cannot read the bearer token file {path}: {ex.Message}", ex);
            }
        }

        var header = token.Length == 0 ? null : new AuthenticationHeaderValue("Bearer", token);
        lock (gate)
        {
            current = header;
            readTimestamp = timeProvider.GetTimestamp();
            stale = false;
            return header;
        }
    }

    /// <inheritdoc/>
    public void Invalidate(AuthenticationHeaderValue? rejected)
    {
        lock (gate)
        {
            if (current is not null && current.ToString() == rejected?.ToString())
            {
                stale = true;
            }
        }
    }
}
