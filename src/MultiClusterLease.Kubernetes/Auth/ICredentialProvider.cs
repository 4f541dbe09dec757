using System.Net.Http.Headers;

namespace MultiClusterLease.Kubernetes.Auth;

/// <summary>Supplies the <c>Authorization</c> header of each request; may cache and refresh it.</summary>
internal interface ICredentialProvider
{
    /// <summary>Gets the header for the next request, refreshing it first if due.</summary>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <returns>The header, or <see langword="null"/> for none.</returns>
    /// <exception cref="HttpRequestException">The credential could not be obtained (token file unreadable, exec plugin failed).</exception>
    ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken);

    /// <summary>Forgets <paramref name="rejected"/> after the server answered 401 to it, so the next call fetches a new one.</summary>
    /// <param name="rejected">The header that was rejected.</param>
    void Invalidate(AuthenticationHeaderValue? rejected);
}

/// <summary>A fixed header (static token, basic auth) or none.</summary>
/// <param name="header">The header, or <see langword="null"/>.</param>
internal sealed class StaticCredentialProvider(AuthenticationHeaderValue? header) : ICredentialProvider
{
    /// <inheritdoc/>
    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) => ValueTask.FromResult(header);

    /// <inheritdoc/>
    public void Invalidate(AuthenticationHeaderValue? rejected)
    {
    }
}
