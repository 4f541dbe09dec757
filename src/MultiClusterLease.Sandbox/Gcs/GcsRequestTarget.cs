using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>The GCS JSON API calls the fake server answers.</summary>
internal enum GcsOperation
{
    Unknown,
    Get,
    List,
    Insert,
    Delete,
}

/// <summary>
/// A request's GCS call, bucket and object, parsed from the raw request target: object names are percent-encoded path
/// segments (<c>leases%2Fns%2Fname</c>) which ASP.NET Core's decoded path would leave ambiguous.
/// </summary>
internal readonly record struct GcsRequestTarget(GcsOperation Operation, string Bucket, string ObjectName)
{
    private const string ApiPrefix = "/storage/v1/b/";
    private const string UploadPrefix = "/upload/storage/v1/b/";

    /// <summary>Gets the kind used in request counters: <c>read</c>, <c>list</c>, <c>write</c>, <c>delete</c>.</summary>
    public string Kind => Operation switch
    {
        GcsOperation.Get => "read",
        GcsOperation.List => "list",
        GcsOperation.Insert => "write",
        GcsOperation.Delete => "delete",
        _ => "other",
    };

    public static GcsRequestTarget Parse(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = string.IsNullOrEmpty(raw) ? request.Path.ToUriComponent() : raw.Split('?', 2)[0];
        var upload = path.StartsWith(UploadPrefix, StringComparison.Ordinal);
        if (!upload && !path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            return new(GcsOperation.Unknown, "", "");
        }

        var rest = path[(upload ? UploadPrefix : ApiPrefix).Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return new(GcsOperation.Unknown, "", "");
        }

        var bucket = Uri.UnescapeDataString(rest[..slash]);
        var tail = rest[slash..];
        var isCollection = tail is "/o" or "/o/";
        var method = request.Method;
        if (upload)
        {
            return isCollection && HttpMethods.IsPost(method)
                ? new(GcsOperation.Insert, bucket, request.Query["name"].ToString())
                : new(GcsOperation.Unknown, bucket, "");
        }

        if (isCollection)
        {
            return new(HttpMethods.IsGet(method) ? GcsOperation.List : GcsOperation.Unknown, bucket, "");
        }

        if (!tail.StartsWith("/o/", StringComparison.Ordinal))
        {
            return new(GcsOperation.Unknown, bucket, "");
        }

        var name = Uri.UnescapeDataString(tail[3..]);
        var operation = HttpMethods.IsGet(method) ? GcsOperation.Get : HttpMethods.IsDelete(method) ? GcsOperation.Delete : GcsOperation.Unknown;
        return new(operation, bucket, name);
    }

    /// <summary>
    /// Names a request for <see cref="Faults.FaultInjector.Counts"/>: <c>read BUCKET/OBJECT</c>, <c>write BUCKET/OBJECT</c>
    /// (the <c>name</c> query parameter; empty when only the multipart metadata names the object),
    /// <c>delete BUCKET/OBJECT</c>, <c>list BUCKET/PREFIX</c>, else <c>METHOD PATH</c>.
    /// </summary>
    public static string Classify(HttpRequest request)
    {
        var target = Parse(request);
        return target.Operation switch
        {
            GcsOperation.Unknown => $"{request.Method} {request.Path}",
            GcsOperation.List => $"list {target.Bucket}/{request.Query["prefix"]}",
            _ => $"{target.Kind} {target.Bucket}/{target.ObjectName}",
        };
    }
}
