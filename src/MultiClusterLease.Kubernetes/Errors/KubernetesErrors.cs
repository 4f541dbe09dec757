using System.Net;
using k8s;
using k8s.Autorest;

namespace MultiClusterLease.Kubernetes.Errors;

/// <summary>
/// Classifies the official client's failures: an API server's answer is an <see cref="HttpOperationException"/> (from a
/// request) or a <see cref="KubernetesException"/> (a <c>Status</c> in a watch stream).
/// </summary>
public static class KubernetesErrors
{
    /// <summary>Gets the HTTP status code the API server answered, or <see langword="null"/> for other failures.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The code, e.g. 404.</returns>
    public static int? StatusCode(this Exception exception) => exception switch
    {
        HttpOperationException { Response: { } response } => (int)response.StatusCode,
        KubernetesException { Status.Code: { } code } => code,
        _ => null,
    };

    /// <summary>Whether the object does not exist (404).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The answer.</returns>
    public static bool IsNotFound(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.NotFound;

    /// <summary>Whether a write lost a race on the resource version (409 Conflict, reason other than AlreadyExists).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The answer.</returns>
    public static bool IsConflict(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.Conflict && !exception.IsAlreadyExists();

    /// <summary>Whether a create found the object already there (409 with reason <c>AlreadyExists</c>).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The answer.</returns>
    public static bool IsAlreadyExists(this Exception exception)
        => exception.StatusCode() == (int)HttpStatusCode.Conflict
           && exception is HttpOperationException { Response.Content: { } body } && body.Contains("\"AlreadyExists\"", StringComparison.Ordinal);

    /// <summary>Whether a watch's resource version is too old (410 Gone): the caller must list again.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The answer.</returns>
    public static bool IsGone(this Exception exception) => exception.StatusCode() == (int)HttpStatusCode.Gone;
}
