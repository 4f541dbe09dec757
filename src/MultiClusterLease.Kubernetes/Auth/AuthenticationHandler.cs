using System.Net;

namespace MultiClusterLease.Kubernetes.Auth;

/// <summary>
/// Sets the <c>Authorization</c> header of every request from an <see cref="ICredentialProvider"/>. On a 401 it
/// invalidates the credential and, if a different one is then available (rotated token file, re-run exec plugin),
/// sends the request once more with it.
/// </summary>
internal sealed class AuthenticationHandler : DelegatingHandler
{
    private readonly ICredentialProvider credentials;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="credentials">The credential source.</param>
    /// <param name="innerHandler">The transport.</param>
    public AuthenticationHandler(ICredentialProvider credentials, HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
        this.credentials = credentials;
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var used = await credentials.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = used;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        credentials.Invalidate(used);
        var fresh = await credentials.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
        if (fresh?.ToString() == used?.ToString())
        {
            return response;
        }

        response.Dispose();

        // A sent HttpRequestMessage cannot be sent again; the content (always buffered here) can be.
        var retry = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy, Content = request.Content };
        foreach (var header in request.Headers)
        {
            retry.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        retry.Headers.Authorization = fresh;
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }
}
