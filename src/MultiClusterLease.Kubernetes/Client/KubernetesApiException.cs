using System.Net;
using System.Text.Json.Serialization;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>
/// A Kubernetes <c>Status</c> object, as the API server returns for failures
/// (Kubernetes API conventions, "Response Status Kind").
/// </summary>
public sealed class KubernetesStatus
{
    /// <summary>Gets or sets <c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyName("status")] public string? Status { get; set; }

    /// <summary>Gets or sets the human-readable message.</summary>
    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>Gets or sets the machine-readable reason, e.g. <c>NotFound</c>, <c>Conflict</c>, <c>AlreadyExists</c>, <c>Expired</c>, <c>Gone</c>.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    /// <summary>Gets or sets the HTTP status code.</summary>
    [JsonPropertyName("code")] public int Code { get; set; }
}

/// <summary>
/// The API server answered with a failure. <see cref="StatusCode"/> is the HTTP status; <see cref="Reason"/> is the
/// <c>Status.reason</c> when the body carried one.
/// </summary>
public class KubernetesApiException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public KubernetesApiException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public KubernetesApiException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance from an answer.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="status">The decoded <c>Status</c>, if any.</param>
    /// <param name="requestDescription">What was asked, e.g. <c>PATCH /apis/...</c>.</param>
    public KubernetesApiException(HttpStatusCode statusCode, KubernetesStatus? status, string requestDescription)
        : base($"{requestDescription}: {(int)statusCode} {status?.Reason ?? statusCode.ToString()}: {status?.Message}")
    {
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>Gets the HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the decoded <c>Status</c> body, if any.</summary>
    public KubernetesStatus? Status { get; }

    /// <summary>Gets the <c>Status.reason</c>, if any.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>Gets whether the object does not exist (404).</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>Gets whether the write lost an optimistic-concurrency race (409, reason <c>Conflict</c>).</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    /// <summary>Gets whether a create found the object already there (409, reason <c>AlreadyExists</c>).</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>Gets whether a watch's resource version is too old (410, reason <c>Expired</c> or <c>Gone</c>).</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone || Status?.Code == 410;
}
