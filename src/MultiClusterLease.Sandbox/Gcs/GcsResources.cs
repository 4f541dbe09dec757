using System.Globalization;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>
/// The JSON resources of the fake GCS server (https://cloud.google.com/storage/docs/json_api/v1/objects#resource,
/// https://cloud.google.com/storage/docs/json_api/v1/buckets#resource): int64 fields are strings, and no field is null
/// (GCS leaves a field out instead).
/// </summary>
internal static class GcsResources
{
    /// <summary>A JSON object of the fields whose value is not null, in order.</summary>
    public static Dictionary<string, object> Fields(params (string Name, object? Value)[] fields)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                result[name] = value;
            }
        }

        return result;
    }

    /// <summary>The object resource, with <c>md5Hash</c> and <c>crc32c</c>.</summary>
    public static Dictionary<string, object> Object(StoredObject stored, Uri baseAddress)
    {
        var path = $"b/{Uri.EscapeDataString(stored.Bucket)}/o/{Uri.EscapeDataString(stored.Name)}";
        var generation = stored.Generation.ToString(CultureInfo.InvariantCulture);
        var time = Time(stored.Created);
        return Fields(
            ("kind", "storage#object"),
            ("id", $"{stored.Bucket}/{stored.Name}/{generation}"),
            ("selfLink", $"{baseAddress}storage/v1/{path}"),
            ("mediaLink", $"{baseAddress}download/storage/v1/{path}?generation={generation}&alt=media"),
            ("name", stored.Name),
            ("bucket", stored.Bucket),
            ("generation", generation),
            ("metageneration", stored.Metageneration.ToString(CultureInfo.InvariantCulture)),
            ("contentType", stored.ContentType),
            ("cacheControl", stored.CacheControl),
            ("storageClass", "STANDARD"),
            ("size", stored.Data.Length.ToString(CultureInfo.InvariantCulture)),
            ("md5Hash", stored.Md5Hash),
            ("crc32c", stored.Crc32c),
            ("etag", ETag(stored)),
            ("timeCreated", time),
            ("updated", time),
            ("timeStorageClassUpdated", time));
    }

    /// <summary>The bucket resource of a bucket the server has.</summary>
    public static Dictionary<string, object> Bucket(string name) => Fields(
        ("kind", "storage#bucket"),
        ("id", name),
        ("name", name),
        ("projectNumber", "0"),
        ("metageneration", "1"),
        ("location", "US"),
        ("locationType", "multi-region"),
        ("storageClass", "STANDARD"),
        ("etag", "CAE="),
        ("timeCreated", Time(DateTimeOffset.UnixEpoch)),
        ("updated", Time(DateTimeOffset.UnixEpoch)));

    /// <summary>The object's ETag: one value per generation and metageneration, as in GCS.</summary>
    public static string ETag(StoredObject stored) => Convert.ToBase64String(BitConverter.GetBytes(stored.Generation ^ (stored.Metageneration << 56)));

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
