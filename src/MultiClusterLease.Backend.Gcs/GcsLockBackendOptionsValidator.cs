using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// Validates <see cref="GcsLockBackendOptions"/> at start-up. Naming rules come from the GCS documentation:
/// buckets https://cloud.google.com/storage/docs/buckets#naming, objects https://cloud.google.com/storage/docs/objects#naming.
/// </summary>
internal sealed partial class GcsLockBackendOptionsValidator : IValidateOptions<GcsLockBackendOptions>
{
    /// <summary>GCS object names are at most 1024 bytes of UTF-8.</summary>
    internal const int MaxObjectNameBytes = 1024;

    private static readonly TimeSpan MinOperationTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxOperationTimeout = TimeSpan.FromHours(24);

    private readonly Func<string, string?> _environment;

    /// <summary>Initializes a new instance reading the process environment.</summary>
    public GcsLockBackendOptionsValidator()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="environment">Reads an environment variable (<c>STORAGE_EMULATOR_HOST</c>).</param>
    internal GcsLockBackendOptionsValidator(Func<string, string?> environment)
    {
        _environment = environment;
    }

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, GcsLockBackendOptions options)
    {
        var errors = new List<string>();

        if (BucketNameError(options.Bucket) is { } bucketError)
        {
            errors.Add(bucketError);
        }

        var prefix = options.Prefix ?? "";
        if (prefix.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            errors.Add("Prefix must not contain carriage return or line feed (GCS object naming rules).");
        }
        else if (Encoding.UTF8.GetByteCount(prefix + "leases/x") > MaxObjectNameBytes)
        {
            errors.Add($"Prefix is too long: object names ({{Prefix}}leases/{{lockName}}) are limited to {MaxObjectNameBytes} bytes of UTF-8.");
        }
        else if (prefix.StartsWith(".well-known/acme-challenge/", StringComparison.Ordinal))
        {
            errors.Add("Prefix must not start with .well-known/acme-challenge/ (GCS object naming rules).");
        }

        var endpoint = GcsEndpoint.TryResolve(options.Endpoint, _environment, out var endpointError);
        if (endpointError is not null)
        {
            errors.Add(endpointError);
        }

        if (string.IsNullOrWhiteSpace(options.UserAgent))
        {
            errors.Add("UserAgent is required: it is sent on every request and identifies the controller.");
        }
        else if (options.UserAgent.Any(char.IsControl))
        {
            errors.Add("UserAgent must not contain control characters (CR, LF, ...).");
        }
        else if (!IsUserAgent(options.UserAgent))
        {
            errors.Add($"UserAgent '{options.UserAgent}' is not a User-Agent header value: products (name/version) and comments in parentheses, e.g. 'multiclusterlease-controller/0.1 (replica-a)'.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"RequestTimeout must be positive (was {options.RequestTimeout}).");
        }

        if (options.OperationTimeout < MinOperationTimeout || options.OperationTimeout > MaxOperationTimeout)
        {
            errors.Add($"OperationTimeout must be between {MinOperationTimeout.TotalMilliseconds} ms and {MaxOperationTimeout.TotalHours} h (was {options.OperationTimeout}).");
        }
        else if (options.RequestTimeout > options.OperationTimeout)
        {
            errors.Add($"RequestTimeout ({options.RequestTimeout}) must not exceed OperationTimeout ({options.OperationTimeout}), which bounds a whole operation including retries.");
        }

        if (!string.IsNullOrEmpty(options.CredentialsFile) && endpoint is { IsEmulator: false } && !File.Exists(options.CredentialsFile))
        {
            errors.Add($"CredentialsFile '{options.CredentialsFile}' does not exist.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Whether a value parses as a User-Agent header (RFC 9110 §10.1.5), as the HTTP client will send it.</summary>
    private static bool IsUserAgent(string value)
    {
        using var request = new HttpRequestMessage();
        return request.Headers.UserAgent.TryParseAdd(value);
    }

    /// <summary>Checks a bucket name against the GCS bucket naming rules.</summary>
    /// <param name="bucket">The bucket name.</param>
    /// <returns>Why the name is invalid, or <see langword="null"/> when it is valid.</returns>
    internal static string? BucketNameError(string? bucket)
    {
        const string rules = "see https://cloud.google.com/storage/docs/buckets#naming";
        if (string.IsNullOrEmpty(bucket))
        {
            return "Bucket is required: the GCS bucket holding the lock objects (without gs://).";
        }

        if (bucket.StartsWith("gs://", StringComparison.Ordinal))
        {
            return $"Bucket '{bucket}' must be the bare bucket name, without gs://.";
        }

        if (!BucketCharacters().IsMatch(bucket))
        {
            return $"Bucket '{bucket}' may contain only lowercase letters, digits, '-', '_' and '.', and must start and end with a letter or digit ({rules}).";
        }

        var parts = bucket.Split('.');
        if (bucket.Length < 3 || bucket.Length > (parts.Length > 1 ? 222 : 63))
        {
            return $"Bucket '{bucket}' must have 3-63 characters, or up to 222 when it contains dots ({rules}).";
        }

        if (parts.Any(part => part.Length is 0 or > 63))
        {
            return $"Bucket '{bucket}': each dot-separated part must have 1-63 characters ({rules}).";
        }

        if (IPv4Address().IsMatch(bucket))
        {
            return $"Bucket '{bucket}' must not be an IP address in dotted-decimal notation ({rules}).";
        }

        if (bucket.StartsWith("goog", StringComparison.Ordinal) || bucket.Contains("google", StringComparison.Ordinal)
            || bucket.Contains("g00gle", StringComparison.Ordinal))
        {
            return $"Bucket '{bucket}' must not start with 'goog' or contain 'google' or close misspellings ({rules}).";
        }

        return null;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketCharacters();

    [GeneratedRegex(@"^\d{1,3}(\.\d{1,3}){3}$", RegexOptions.CultureInvariant)]
    private static partial Regex IPv4Address();
}
