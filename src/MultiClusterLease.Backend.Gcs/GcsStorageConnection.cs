using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// The backend's <see cref="StorageClient"/>, built with <see cref="StorageClientBuilder"/> on first use: credentials
/// from Application Default Credentials or a credentials file, scoped to <c>devstorage.read_write</c>, or none for an
/// emulator endpoint. A failed build (e.g. no credentials found) is retried on the next request.
/// </summary>
/// <remarks>
/// The client's HTTP client has no timeout of its own (each attempt is bounded by the backend's request timeout) and no
/// backoff handler (<see cref="StorageClientBuilder"/> installs none): retries are the backend's decision. Its
/// User-Agent is the configured <see cref="GcsLockBackendOptions.UserAgent"/> followed by the library's own product
/// token. The builder's <c>ApplicationName</c> accepts no comments such as <c>(replica-a)</c>, so it is set on the
/// client's message handler, which sends it as it is.
/// </remarks>
internal sealed class GcsStorageConnection : IDisposable
{
    /// <summary>The OAuth scope: read and write objects (https://cloud.google.com/storage/docs/oauth-scopes), narrower than the library's default <c>devstorage.full_control</c>.</summary>
    public const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    private readonly GcsEndpoint _endpoint;
    private readonly string? _credentialsFile;
    private readonly string _userAgent;
    private readonly Lock _gate = new();
    private Task<Connected>? _connected;
    private bool _disposed;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="endpoint">The endpoint; an emulator gets no credentials.</param>
    /// <param name="credentialsFile">A credentials JSON file, or <see langword="null"/> for Application Default Credentials.</param>
    /// <param name="userAgent">The start of every request's User-Agent.</param>
    public GcsStorageConnection(GcsEndpoint endpoint, string? credentialsFile, string userAgent)
    {
        _endpoint = endpoint;
        _credentialsFile = string.IsNullOrEmpty(credentialsFile) ? null : credentialsFile;
        _userAgent = userAgent;
    }

    /// <summary>Gets the client, building it on first use, with a current access token unless it is unauthenticated.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The client.</returns>
    /// <exception cref="LockBackendException">No credentials could be loaded, or no access token obtained: nothing was sent.</exception>
    public async Task<StorageClient> GetAsync(CancellationToken cancellationToken)
    {
        Task<Connected> connect;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            connect = _connected ??= ConnectAsync();
        }

        try
        {
            var connected = await connect.WaitAsync(cancellationToken);

            // The token is cached and refreshed by the credential itself; asking for it here only makes a credentials
            // failure show as one, before the request is sent, instead of as a transport error of the request.
            if (connected.Credential is ITokenAccess credential)
            {
                await credential.GetAccessTokenForRequestAsync(_endpoint.ServiceUri.AbsoluteUri, cancellationToken);
            }

            return connected.Client;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_connected == connect && connect.IsFaulted)
                {
                    _connected = null;
                }
            }

            var source = _credentialsFile is null
                ? "Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, or Workload Identity on GKE)"
                : $"credentials file '{_credentialsFile}'";
            throw new LockBackendException($"Could not get a Google access token from {source}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Task<Connected>? connected;
        lock (_gate)
        {
            _disposed = true;
            connected = _connected;
            _connected = null;
        }

        if (connected is { IsCompletedSuccessfully: true })
        {
            connected.Result.Client.Dispose();
        }
    }

    private async Task<Connected> ConnectAsync()
    {
        var credential = _endpoint.IsEmulator ? null : await LoadCredentialAsync();
        var client = await new StorageClientBuilder
        {
            BaseUri = _endpoint.ServiceUri.AbsoluteUri,
            Credential = credential,
            UnauthenticatedAccess = credential is null,
        }.BuildAsync(CancellationToken.None);

        var http = client.Service.HttpClient;
        http.Timeout = Timeout.InfiniteTimeSpan;
        http.MessageHandler.ApplicationName = _userAgent;
        return new Connected(client, credential);
    }

    private async Task<GoogleCredential> LoadCredentialAsync()
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

    private sealed record Connected(StorageClient Client, GoogleCredential? Credential);
}
