using k8s;
using k8s.Models;

namespace MultiClusterLease.Kubernetes.Watching;

/// <summary>
/// Lists and watches one custom resource through the official client's <c>CustomObjects</c> API: one namespace or all,
/// optionally narrowed by a field or label selector.
/// </summary>
/// <typeparam name="T">The object type.</typeparam>
/// <typeparam name="TList">The list type.</typeparam>
public sealed class CustomResourceListWatch<T, TList> : IResourceListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IKubernetesObject<V1ListMeta>, IItems<T>
{
    private readonly IKubernetes _client;
    private readonly string _group;
    private readonly string _version;
    private readonly string _plural;
    private readonly string? _namespace;
    private readonly string? _fieldSelector;
    private readonly string? _labelSelector;
    private readonly int _timeoutSeconds;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The client (shared; not disposed here).</param>
    /// <param name="group">The API group.</param>
    /// <param name="version">The API version.</param>
    /// <param name="plural">The plural resource name.</param>
    /// <param name="namespace">The namespace; <see langword="null"/> or empty = all namespaces.</param>
    /// <param name="fieldSelector">A field selector, e.g. <c>metadata.name=x</c>; <see langword="null"/> = none.</param>
    /// <param name="labelSelector">A label selector; <see langword="null"/> = none.</param>
    /// <param name="timeoutSeconds">The server-side timeout of each watch stream in seconds (default 300).</param>
    public CustomResourceListWatch(IKubernetes client, string group, string version, string plural, string? @namespace, string? fieldSelector = null, string? labelSelector = null, int timeoutSeconds = 300)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _group = group;
        _version = version;
        _plural = plural;
        _namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        _fieldSelector = fieldSelector;
        _labelSelector = labelSelector;
        _timeoutSeconds = timeoutSeconds;
    }

    /// <inheritdoc/>
    public string Description => $"{_plural} in {(_namespace is null ? "all namespaces" : _namespace)}{(_fieldSelector is null ? "" : $" ({_fieldSelector})")}";

    /// <inheritdoc/>
    public async Task<ResourceListPage<T>> ListAsync(CancellationToken cancellationToken)
    {
        var list = _namespace is null
            ? await _client.CustomObjects.ListCustomObjectForAllNamespacesAsync<TList>(_group, _version, _plural, fieldSelector: _fieldSelector, labelSelector: _labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await _client.CustomObjects.ListNamespacedCustomObjectAsync<TList>(_group, _version, _namespace, _plural, fieldSelector: _fieldSelector, labelSelector: _labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ResourceListPage<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string? resourceVersion, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var response = _namespace is null
            ? _client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync(
                _group, _version, _plural, allowWatchBookmarks: true, fieldSelector: _fieldSelector, labelSelector: _labelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: _timeoutSeconds, watch: true, cancellationToken: cancellationToken)
            : _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
                _group, _version, _namespace, _plural, allowWatchBookmarks: true, fieldSelector: _fieldSelector, labelSelector: _labelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: _timeoutSeconds, watch: true, cancellationToken: cancellationToken);

        // The official client's typed watch of a custom resource (it marks the extension obsolete in favour of the
        // untyped WatchList* methods, which yield JsonElement and would parse every event twice).
#pragma warning disable CS0618
        return response.WatchAsync<T, object>(onError, cancellationToken);
#pragma warning restore CS0618
    }
}
