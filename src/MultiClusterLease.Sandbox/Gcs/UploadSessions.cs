using System.Collections.Concurrent;
using System.Globalization;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>An open resumable upload session (https://cloud.google.com/storage/docs/performing-resumable-uploads).</summary>
internal sealed class UploadSession
{
    private readonly MemoryStream _received = new();

    public UploadSession(string id, string bucket, string name, string contentType, string? cacheControl, Preconditions preconditions)
    {
        Id = id;
        Bucket = bucket;
        Name = name;
        ContentType = contentType;
        CacheControl = cacheControl;
        Preconditions = preconditions;
    }

    public string Id { get; }

    public string Bucket { get; }

    public string Name { get; }

    public string ContentType { get; }

    public string? CacheControl { get; }

    /// <summary>Gets the preconditions given at initiation; they are checked when the upload commits.</summary>
    public Preconditions Preconditions { get; }

    /// <summary>Gets the lock of the session's state: one request at a time changes it.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Gets the number of bytes persisted so far.</summary>
    public long Received => _received.Length;

    /// <summary>Gets or sets the object the session created, once committed.</summary>
    public StoredObject? Committed { get; set; }

    public byte[] Data => _received.ToArray();

    /// <summary>Appends the bytes of a chunk that starts at <paramref name="first"/>; bytes already persisted are skipped, as GCS does.</summary>
    /// <returns>Whether the chunk fits (does not start after the bytes received so far).</returns>
    public bool Append(long first, byte[] chunk)
    {
        if (first > Received)
        {
            return false;
        }

        var skip = (int)Math.Min(chunk.Length, Received - first);
        _received.Write(chunk, skip, chunk.Length - skip);
        return true;
    }
}

/// <summary>A <c>Content-Range</c> of a resumable upload request: <c>bytes FIRST-LAST/TOTAL</c>, <c>bytes */TOTAL</c>, with <c>*</c> for an unknown total.</summary>
/// <param name="First">The first byte of the chunk; <see langword="null"/> for a status query (<c>bytes */…</c>).</param>
/// <param name="Last">The last byte of the chunk.</param>
/// <param name="Total">The total size, when the client says it.</param>
internal readonly record struct UploadRange(long? First, long? Last, long? Total)
{
    /// <summary>Parses the header; a missing header means "the whole upload is in this request".</summary>
    public static bool TryParse(string? header, long bodyLength, out UploadRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header))
        {
            range = new(0, bodyLength - 1, bodyLength);
            return true;
        }

        var text = header.Trim();
        if (!text.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = text[6..].Trim().Split('/');
        if (parts.Length != 2)
        {
            return false;
        }

        long? total = null;
        if (parts[1] != "*")
        {
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                return false;
            }

            total = t;
        }

        if (parts[0] == "*")
        {
            range = new(null, null, total);
            return true;
        }

        var bounds = parts[0].Split('-');
        if (bounds.Length != 2
            || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            return false;
        }

        range = new(first, last, total);
        return true;
    }

    /// <summary>Whether a request with this range completes an upload that has <paramref name="received"/> bytes before it.</summary>
    public bool Completes(long received)
        => Total is { } total && (Last is { } last ? last + 1 == total : total == received);
}

/// <summary>The open resumable upload sessions of a fake GCS server, by upload id. Thread-safe.</summary>
internal sealed class UploadSessions
{
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);

    public UploadSession Start(string bucket, string name, string contentType, string? cacheControl, Preconditions preconditions)
    {
        var session = new UploadSession(Guid.NewGuid().ToString("N"), bucket, name, contentType, cacheControl, preconditions);
        _sessions[session.Id] = session;
        return session;
    }

    public UploadSession? Find(string id) => _sessions.GetValueOrDefault(id);

    public void Remove(string id) => _sessions.TryRemove(id, out _);
}
