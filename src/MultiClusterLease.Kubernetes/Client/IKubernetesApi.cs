using MultiClusterLease.Kubernetes.Api.Meta;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>
/// The Kubernetes API calls this project makes, over JSON. Implemented by <c>KubernetesApiClient</c>.
/// Every failure answered by the API server is a <see cref="KubernetesApiException"/>; transport failures are
/// <see cref="HttpRequestException"/>; cancellation is <see cref="OperationCanceledException"/>.
/// </summary>
public interface IKubernetesApi
{
    /// <summary>Gets one object.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace (ignored for cluster-scoped resources).</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesApiException.IsNotFound"/> when absent.</exception>
    Task<T> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default) where T : class;

    /// <summary>Lists objects.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces.</param>
    /// <param name="options">Selectors; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The list with its resource version.</returns>
    Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) where T : class;

    /// <summary>Creates an object.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace.</param>
    /// <param name="value">The object.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesApiException.IsAlreadyExists"/> when it exists.</exception>
    Task<T> CreateAsync<T>(ResourceType type, string? @namespace, T value, CancellationToken cancellationToken = default) where T : class;

    /// <summary>Patches an object or one of its subresources.</summary>
    /// <typeparam name="T">The object type returned.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="patchType">The patch content type.</param>
    /// <param name="patch">The patch document (JSON text).</param>
    /// <param name="subresource"><c>status</c> to patch the status subresource, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object after the patch.</returns>
    /// <exception cref="KubernetesApiException">404 when absent; 409 when a <c>metadata.resourceVersion</c> in the patch is stale.</exception>
    Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string patch, string? subresource = null, CancellationToken cancellationToken = default) where T : class;

    /// <summary>Replaces an object or one of its subresources (PUT); the object's resourceVersion makes it conditional.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="value">The new object.</param>
    /// <param name="subresource"><c>status</c> or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="KubernetesApiException">409 (<see cref="KubernetesApiException.IsConflict"/>) when the resourceVersion is stale.</exception>
    Task<T> ReplaceAsync<T>(ResourceType type, string? @namespace, string name, T value, string? subresource = null, CancellationToken cancellationToken = default) where T : class;

    /// <summary>Deletes an object.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    /// <exception cref="KubernetesApiException">404 when absent.</exception>
    Task DeleteAsync(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens one watch stream (<c>?watch=true</c>) and yields its events until the server closes it. Does not resume:
    /// see <c>ResourceWatcher</c> for list-then-watch with resume and re-list.
    /// </summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces.</param>
    /// <param name="options">Resource version to start after, selectors, bookmarks, timeout.</param>
    /// <param name="cancellationToken">Closes the stream.</param>
    /// <returns>The events, including <see cref="WatchEventType.Bookmark"/> and <see cref="WatchEventType.Error"/>.</returns>
    /// <exception cref="KubernetesApiException">When the server refuses the watch (e.g. 410 Gone for a too old resource version).</exception>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, WatchOptions options, CancellationToken cancellationToken = default) where T : class;
}

/// <summary>The content type of a patch.</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>).</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>).</summary>
    Json,
}

/// <summary>Options of a list call.</summary>
public sealed class ListOptions
{
    /// <summary>Gets or sets a label selector, e.g. <c>app=x</c>.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>Gets or sets a field selector, e.g. <c>metadata.name=x</c>.</summary>
    public string? FieldSelector { get; set; }
}

/// <summary>Options of a watch call.</summary>
public sealed class WatchOptions
{
    /// <summary>Gets or sets the resource version to watch from (exclusive); <see langword="null"/> for "now".</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Gets or sets a label selector.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>Gets or sets a field selector, e.g. <c>metadata.name=x</c> to watch one object.</summary>
    public string? FieldSelector { get; set; }

    /// <summary>Gets or sets whether to ask for bookmark events (default <see langword="true"/>).</summary>
    public bool AllowBookmarks { get; set; } = true;

    /// <summary>Gets or sets the server-side timeout of the stream in seconds (default 300 = 5 minutes).</summary>
    public int TimeoutSeconds { get; set; } = 300;
}

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    /// <summary>An object was added (or, after a list, already existed).</summary>
    Added,

    /// <summary>An object was modified.</summary>
    Modified,

    /// <summary>An object was deleted.</summary>
    Deleted,

    /// <summary>A bookmark: only the resource version is meaningful.</summary>
    Bookmark,

    /// <summary>The server reported an error; <see cref="WatchEvent{T}.Status"/> says which.</summary>
    Error,
}

/// <summary>One watch event.</summary>
/// <typeparam name="T">The object type.</typeparam>
/// <param name="Type">The event type.</param>
/// <param name="Object">The object; <see langword="null"/> for <see cref="WatchEventType.Error"/>.</param>
/// <param name="Status">The Kubernetes <c>Status</c> of an error event.</param>
/// <param name="ResourceVersion">The resource version the event carries.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, KubernetesStatus? Status, string? ResourceVersion) where T : class;
