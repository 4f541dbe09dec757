using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// OAuth 2.0 access tokens for GCS from Application Default Credentials or a credentials file, scoped to
/// <c>devstorage.read_write</c>. The credential is loaded on first use; a failed load is retried on the next request.
/// </summary>
internal sealed class GcsAccessTokenSource
{
    /// <summary>The OAuth scope: read and write objects (https://cloud.google.com/storage/docs/oauth-scopes).</summary>
    public const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    private readonly string? _credentialsFile;
    private readonly Lock _gate = new();
    private Task<ITokenAccess>? _credential;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="credentialsFile">A credentials JSON file, or <see langword="null"/> for Application Default Credentials.</param>
    public GcsAccessTokenSource(string? credentialsFile)
    {
        _credentialsFile = string.IsNullOrEmpty(credentialsFile) ? null : credentialsFile;
    }

    /// <summary>Gets a current access token.</summary>
    /// <param name="authUri">The URI the token is for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The bearer token.</returns>
    /// <exception cref="LockBackendException">No credentials could be loaded, or no token obtained.</exception>
    public async Task<string> GetAccessTokenAsync(string authUri, CancellationToken cancellationToken)
    {
        Task<ITokenAccess> load;
        lock (_gate)
        {
            load = _credential ??= LoadAsync();
        }

        try
        {
            var credential = await load.WaitAsync(cancellationToken);
            return await credential.GetAccessTokenForRequestAsync(authUri, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_credential == load && load.IsFaulted)
                {
                    _credential = null;
                }
            }

            var source = _credentialsFile is null
                ? "Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, or Workload Identity on GKE)"
                : $"credentials file '{_credentialsFile}'";
            throw new LockBackendException($"Could not get a Google access token from {source}: {ex.Message}", ex);
        }
    }

    private async Task<ITokenAccess> LoadAsync()
    {
        GoogleCredential credential;
        if (_credentialsFile is null)
        {
            credential = await GoogleCredential.GetApplicationDefaultAsync(CancellationToken.None);
        }
        else
        {
            // The file is the operator's own configuration; its "type" says which credential it holds.
            string? type;
            await using (var file = File.OpenRead(_credentialsFile))
            {
                using var json = await JsonDocument.ParseAsync(file);
                type = json.RootElement.TryGetProperty("type", out var value) ? value.GetString() : null;
            }

            if (string.IsNullOrEmpty(type))
            {
                throw new InvalidOperationException("the file has no \"type\" field (e.g. service_account)");
            }

            credential = await CredentialFactory.FromFileAsync(_credentialsFile, type, CancellationToken.None);
        }

        return credential.CreateScoped(Scope);
    }
}
