using System.Collections.Concurrent;

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
