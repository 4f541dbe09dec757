using System.Security.Cryptography;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>One live object version.</summary>
internal sealed record StoredObject(
    string Bucket,
    string Name,
    byte[] Data,
    long Generation,
    long Metageneration,
    string ContentType,
    string? CacheControl,
    DateTimeOffset Created)
{
    /// <summary>Gets the base64 MD5 of the data, as GCS's <c>md5Hash</c>.</summary>
#pragma warning disable CA5351 // GCS's md5Hash is MD5 by definition; it is an integrity check here, not security.
    public string Md5Hash { get; } = Convert.ToBase64String(MD5.HashData(Data));
#pragma warning restore CA5351

    /// <summary>Gets the base64 big-endian CRC-32C of the data, as GCS's <c>crc32c</c>.</summary>
    public string Crc32c { get; } = Crc32C.Base64(Data);
}

/// <summary>The outcome of a store operation.</summary>
internal enum StoreStatus
{
    Ok,
    NoSuchBucket,
    NoSuchObject,
    PreconditionFailed,
    NotModified,
    RateLimited,
}

/// <summary>The generation conditions of a request (query parameters <c>generation</c>, <c>ifGenerationMatch</c>, <c>ifGenerationNotMatch</c>).</summary>
internal readonly record struct Preconditions(long? Generation, long? IfGenerationMatch, long? IfGenerationNotMatch);

/// <summary>A store operation's outcome and the object concerned.</summary>
internal readonly record struct StoreResult(StoreStatus Status, StoredObject? Object = null);

/// <summary>
/// The objects of the fake GCS server, with GCS's generation semantics
/// (https://cloud.google.com/storage/docs/metadata#generation-number, https://cloud.google.com/storage/docs/request-preconditions).
/// Thread-safe.
/// </summary>
internal sealed class FakeGcsStore
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _buckets;
    private readonly Dictionary<(string Bucket, string Name), StoredObject> _objects = [];
    private readonly Dictionary<(string Bucket, string Name), DateTimeOffset> _lastMutation = [];
    private readonly HashSet<long> _issuedGenerations = [];
    private readonly FakeGcsServerOptions _options;
    private readonly Random _random;
    private long _lastGeneration;

    /// <summary>Raised under the store's lock for every committed insert, in commit order. Handlers must be quick.</summary>
    public event Action<GcsObjectWrite>? Written;

    public FakeGcsStore(FakeGcsServerOptions options)
    {
        _options = options;
        _buckets = new HashSet<string>(options.Buckets, StringComparer.Ordinal);
        _random = new Random(options.Seed);
    }

    public bool BucketExists(string bucket) => _buckets.Contains(bucket);

    /// <summary>objects.get. A failed <c>ifGenerationNotMatch</c> gives <see cref="StoreStatus.NotModified"/> (GCS answers 304 to reads).</summary>
    public StoreResult Get(string bucket, string name, Preconditions preconditions)
    {
        lock (_gate)
        {
            var found = Find(bucket, name, preconditions, out var current);
            return found != StoreStatus.Ok ? new(found) : new(Check(current, preconditions, isRead: true), current);
        }
    }

    /// <summary>objects.insert: replaces the live version with a new generation (metageneration 1).</summary>
    public StoreResult Insert(string bucket, string name, byte[] data, string contentType, string? cacheControl, Preconditions preconditions)
    {
        lock (_gate)
        {
            if (!_buckets.Contains(bucket))
            {
                return new(StoreStatus.NoSuchBucket);
            }

            _objects.TryGetValue((bucket, name), out var current);
            var status = Check(current, preconditions, isRead: false);
            if (status == StoreStatus.Ok && IsRateLimited(bucket, name))
            {
                status = StoreStatus.RateLimited;
            }

            if (status != StoreStatus.Ok)
            {
                return new(status, current);
            }

            var now = _options.TimeProvider.GetUtcNow();
            var stored = new StoredObject(bucket, name, data, NextGeneration(now), 1, contentType, cacheControl, now);
            _objects[(bucket, name)] = stored;
            _lastMutation[(bucket, name)] = now;
            Written?.Invoke(new GcsObjectWrite(bucket, name, data, stored.Generation));
            return new(StoreStatus.Ok, stored);
        }
    }

    /// <summary>objects.delete.</summary>
    public StoreResult Delete(string bucket, string name, Preconditions preconditions)
    {
        lock (_gate)
        {
            var found = Find(bucket, name, preconditions, out var current);
            if (found != StoreStatus.Ok)
            {
                return new(found);
            }

            var status = Check(current, preconditions, isRead: false);
            if (status == StoreStatus.Ok && IsRateLimited(bucket, name))
            {
                status = StoreStatus.RateLimited;
            }

            if (status == StoreStatus.Ok)
            {
                _objects.Remove((bucket, name));
                _lastMutation[(bucket, name)] = _options.TimeProvider.GetUtcNow();
            }

            return new(status, current);
        }
    }

    /// <summary>objects.list: the live objects of a bucket, by name.</summary>
    public IReadOnlyList<StoredObject> List(string bucket)
    {
        lock (_gate)
        {
            return [.. _objects.Values.Where(o => o.Bucket == bucket).OrderBy(o => o.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Stores an object unconditionally, bypassing preconditions and the rate limit (test hook).</summary>
    public StoredObject PutRaw(string bucket, string name, byte[] data)
    {
        lock (_gate)
        {
            if (!_buckets.Contains(bucket))
            {
                throw new ArgumentException($"The fake GCS server has no bucket '{bucket}'.", nameof(bucket));
            }

            var now = _options.TimeProvider.GetUtcNow();
            var stored = new StoredObject(bucket, name, data, NextGeneration(now), 1, "application/json", null, now);
            _objects[(bucket, name)] = stored;
            return stored;
        }
    }

    public StoredObject? TryGet(string bucket, string name)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault((bucket, name));
        }
    }

    private StoreStatus Find(string bucket, string name, Preconditions preconditions, out StoredObject? current)
    {
        current = null;
        if (!_buckets.Contains(bucket))
        {
            return StoreStatus.NoSuchBucket;
        }

        if (!_objects.TryGetValue((bucket, name), out current) || (preconditions.Generation is { } wanted && wanted != current.Generation))
        {
            return StoreStatus.NoSuchObject;
        }

        return StoreStatus.Ok;
    }

    /// <summary>
    /// <c>ifGenerationMatch</c>: the live generation must equal it, 0 meaning "no live object". <c>ifGenerationNotMatch</c>:
    /// a live object must exist with another generation. A failure is 412, except a failed <c>ifGenerationNotMatch</c>
    /// on a read of a live object, which GCS answers 304 Not Modified.
    /// </summary>
    private static StoreStatus Check(StoredObject? current, Preconditions preconditions, bool isRead)
    {
        if (preconditions.IfGenerationMatch is { } match && (current?.Generation ?? 0) != match)
        {
            return StoreStatus.PreconditionFailed;
        }

        if (preconditions.IfGenerationNotMatch is { } notMatch && (current is null || current.Generation == notMatch))
        {
            return isRead && current is not null ? StoreStatus.NotModified : StoreStatus.PreconditionFailed;
        }

        return StoreStatus.Ok;
    }

    private bool IsRateLimited(string bucket, string name)
        => _options.EnforceWriteRateLimit
           && _lastMutation.TryGetValue((bucket, name), out var last)
           && _options.TimeProvider.GetUtcNow() - last < _options.WriteRateLimitInterval;

    private long NextGeneration(DateTimeOffset now)
    {
        if (_options.GenerationMode == GcsGenerationMode.Random)
        {
            long random;
            do
            {
                random = _random.NextInt64(1, long.MaxValue);
            }
            while (!_issuedGenerations.Add(random));

            return random;
        }

        var micros = (now - DateTimeOffset.UnixEpoch).Ticks / 10;
        _lastGeneration = Math.Max(micros, _lastGeneration + 1);
        return _lastGeneration;
    }
}

/// <summary>A committed object write, as the fake GCS saw it.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Name">The object name.</param>
/// <param name="Body">The object's data.</param>
/// <param name="Generation">The new generation.</param>
public sealed record GcsObjectWrite(string Bucket, string Name, byte[] Body, long Generation);
