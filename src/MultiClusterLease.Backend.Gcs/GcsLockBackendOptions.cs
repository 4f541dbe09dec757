namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// Settings of the Google Cloud Storage lock backend. Validated at start-up by
/// <see cref="GcsServiceCollectionExtensions.AddGcsLockBackend"/>; an invalid value stops the host with a message naming it.
/// </summary>
public sealed class GcsLockBackendOptions
{
    /// <summary>The default <see cref="UserAgent"/>.</summary>
    public const string DefaultUserAgent = "multiclusterlease-controller/0.1";

    /// <summary>
    /// Gets or sets the bucket holding the lock objects, without <c>gs://</c>. Required. It must follow the GCS bucket
    /// naming rules (https://cloud.google.com/storage/docs/buckets#naming): 3–63 characters (up to 222 with dots, each
    /// dot-separated part at most 63), only lowercase letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, starting and ending
    /// with a letter or digit, not an IPv4 address, not starting with <c>goog</c>, not containing <c>google</c>.
    /// </summary>
    public string Bucket { get; set; } = "";

    /// <summary>
    /// Gets or sets a prefix put in front of every object name; default empty. The object of lock <c>L</c> is
    /// <c>{Prefix}leases/{L}</c>, the layout of the Go implementation (<c>leases/NAMESPACE/NAME</c>), so a prefix meant
    /// as a folder ends with <c>/</c> (e.g. <c>team-a/</c>). Must not contain carriage return or line feed (GCS object
    /// naming rules).
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// Gets or sets the GCS JSON API endpoint, e.g. <c>https://storage.googleapis.com</c> or a local emulator
    /// <c>http://127.0.0.1:4443</c>; the API is under <c>storage/v1/</c> of it (added unless the endpoint ends with it).
    /// When unset, the <c>STORAGE_EMULATOR_HOST</c> environment variable is used if set (<c>host:port</c> as for
    /// fake-gcs-server, or a URL), else <c>https://storage.googleapis.com</c>. An <c>http://</c> endpoint or
    /// <c>STORAGE_EMULATOR_HOST</c> is treated as an emulator: the client is built without credentials
    /// (<c>StorageClientBuilder.UnauthenticatedAccess</c>).
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Gets or sets the start of every request's User-Agent, which Google's client follows with its own product token
    /// (<c>google-api-dotnet-client/1.x (gzip)</c>); default <see cref="DefaultUserAgent"/>. It must be a valid
    /// User-Agent value: products (<c>name/version</c>) and comments in parentheses, e.g.
    /// <c>multiclusterlease-controller/0.1 (replica-a)</c>. The sandbox identifies callers by a substring of it, so give
    /// each controller instance a distinct one there.
    /// </summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>Gets or sets the timeout of one HTTP attempt; default 3 s. Must be positive and at most <see cref="OperationTimeout"/>.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Gets or sets the time budget of a whole read or write, retries and the settling of an ambiguous write included;
    /// default 8 s. Must be between 10 ms and 24 h (the range Polly's timeout strategy accepts).
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Gets or sets a credentials JSON file (service account key, external account or authorized user). When unset,
    /// Application Default Credentials are used: <c>GOOGLE_APPLICATION_CREDENTIALS</c>, the gcloud
    /// <c>application-default</c> login, or the metadata server (Workload Identity on GKE). Ignored for emulator endpoints.
    /// </summary>
    public string? CredentialsFile { get; set; }
}
