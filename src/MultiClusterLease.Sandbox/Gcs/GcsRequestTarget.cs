using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>The GCS JSON API calls the fake server answers.</summary>
internal enum GcsOperation
{
    Unknown,
    GetBucket,
    Get,
    List,
    Insert,
    StartResumable,
    PutResumable,
    CancelResumable,
    Delete,
}

/// <summary>
/// A request's GCS call, bucket and object (or upload session), parsed from the raw request target: object names are
/// percent-encoded path segments (<c>leases%2Fns%2Fname</c>) which ASP.NET Core's decoded path would leave ambiguous.
/// Paths: <c>/storage/v1/b/…</c> (JSON API), <c>/download/storage/v1/b/…</c> (media downloads, as gcloud sends them),
/// <c>/upload/storage/v1/b/…</c> (uploads; a resumable session is the same path with <c>upload_id</c>).
/// </summary>
internal readonly record struct GcsRequestTarget(GcsOperation Operation, string Bucket, string ObjectName, string UploadId = "")
{
    private const string ApiPrefix = "/storage/v1/b/";
    private const string DownloadPrefix = "/download/storage/v1/b/";
    private const string UploadPrefix = "/upload/storage/v1/b/";

    public static GcsRequestTarget Parse(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = string.IsNullOrEmpty(raw) ? request.Path.ToUriComponent() : raw.Split('?', 2)[0];
        var prefix = path.StartsWith(UploadPrefix, StringComparison.Ordinal) ? UploadPrefix
            : path.StartsWith(DownloadPrefix, StringComparison.Ordinal) ? DownloadPrefix
            : path.StartsWith(ApiPrefix, StringComparison.Ordinal) ? ApiPrefix
            : null;
        if (prefix is null)
        {
            return new(GcsOperation.Unknown, "", "");
        }

        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = Uri.UnescapeDataString(slash < 0 ? rest : rest[..slash]);
        var tail = slash < 0 ? "" : rest[slash..];
        var method = request.Method;
        if (bucket.Length == 0)
        {
            return new(GcsOperation.Unknown, "", "");
        }

        if (prefix == ApiPrefix && tail is "" or "/")
        {
            return new(HttpMethods.IsGet(method) ? GcsOperation.GetBucket : GcsOperation.Unknown, bucket, "");
        }

        var isCollection = tail is "/o" or "/o/";
        if (prefix == UploadPrefix)
        {
            if (!isCollection)
            {
                return new(GcsOperation.Unknown, bucket, "");
            }

            var uploadId = request.Query["upload_id"].ToString();
            var name = request.Query["name"].ToString();
            return (uploadId.Length > 0, method) switch
            {
                (false, "POST") when request.Query["uploadType"] == "resumable" => new(GcsOperation.StartResumable, bucket, name),
                (false, "POST") => new(GcsOperation.Insert, bucket, name),
                (true, "PUT" or "POST") => new(GcsOperation.PutResumable, bucket, name, uploadId),
                (true, "DELETE") => new(GcsOperation.CancelResumable, bucket, name, uploadId),
                _ => new(GcsOperation.Unknown, bucket, ""),
            };
        }

        if (isCollection)
        {
            return new(prefix == ApiPrefix && HttpMethods.IsGet(method) ? GcsOperation.List : GcsOperation.Unknown, bucket, "");
        }

        if (!tail.StartsWith("/o/", StringComparison.Ordinal) || tail.Length == 3)
        {
            return new(GcsOperation.Unknown, bucket, "");
        }

        var objectName = Uri.UnescapeDataString(tail[3..]);
        var operation = HttpMethods.IsGet(method) ? GcsOperation.Get
            : HttpMethods.IsDelete(method) && prefix == ApiPrefix ? GcsOperation.Delete
            : GcsOperation.Unknown;
        return new(operation, bucket, objectName);
    }
}
