namespace MultiClusterLease.Backend.Gcs;

/// <summary>Where the GCS JSON API is reached, and whether it is an emulator (no credentials).</summary>
/// <param name="BaseAddress">The endpoint, ending with <c>/</c>.</param>
/// <param name="IsEmulator">Whether no credentials are sent.</param>
internal sealed record GcsEndpoint(Uri BaseAddress, bool IsEmulator)
{
    /// <summary>The environment variable the Google client libraries use to point at an emulator.</summary>
    public const string EmulatorHostVariable = "STORAGE_EMULATOR_HOST";

    /// <summary>Gets the JSON API's base: <see cref="BaseAddress"/> with <c>storage/v1/</c>, unless it ends with that already.</summary>
    public Uri ServiceUri => BaseAddress.AbsolutePath.EndsWith("/storage/v1/", StringComparison.Ordinal)
        ? BaseAddress
        : new Uri(BaseAddress, "storage/v1/");

    /// <summary>The production endpoint.</summary>
    public static readonly Uri Production = new("https://storage.googleapis.com/");

    /// <summary>Resolves the endpoint: the option, else <c>STORAGE_EMULATOR_HOST</c>, else production.</summary>
    /// <param name="configured">The <see cref="GcsLockBackendOptions.Endpoint"/> option.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="error">Why the endpoint is invalid.</param>
    /// <returns>The endpoint, or <see langword="null"/> with <paramref name="error"/> set.</returns>
    public static GcsEndpoint? TryResolve(Uri? configured, Func<string, string?> environment, out string? error)
    {
        error = null;
        if (configured is not null)
        {
            if (!configured.IsAbsoluteUri || (configured.Scheme != Uri.UriSchemeHttp && configured.Scheme != Uri.UriSchemeHttps))
            {
                error = $"Endpoint '{configured}' must be an absolute http:// or https:// URL, e.g. https://storage.googleapis.com.";
                return null;
            }

            if (!string.IsNullOrEmpty(configured.Query) || !string.IsNullOrEmpty(configured.Fragment))
            {
                error = $"Endpoint '{configured}' must not have a query or fragment.";
                return null;
            }

            return new GcsEndpoint(WithTrailingSlash(configured), configured.Scheme == Uri.UriSchemeHttp);
        }

        var emulator = environment(EmulatorHostVariable);
        if (string.IsNullOrWhiteSpace(emulator))
        {
            return new GcsEndpoint(Production, IsEmulator: false);
        }

        var text = emulator.Contains("://", StringComparison.Ordinal) ? emulator.Trim() : "http://" + emulator.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"{EmulatorHostVariable}='{emulator}' is neither host:port nor an http(s) URL.";
            return null;
        }

        return new GcsEndpoint(WithTrailingSlash(uri), IsEmulator: true);
    }

    private static Uri WithTrailingSlash(Uri uri)
        => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
}
