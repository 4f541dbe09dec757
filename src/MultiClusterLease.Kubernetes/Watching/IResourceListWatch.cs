using k8s;
using k8s.Models;

namespace MultiClusterLease.Kubernetes.Watching;

/// <summary>
/// The two calls a <see cref="ResourceWatcher{T}"/> makes: list a set of objects, and watch it from a resource version.
/// <see cref="CustomResourceListWatch{T, TList}"/> implements them over the official client; a simulation can implement
/// them in memory.
/// </summary>
/// <typeparam name="T">The object type.</typeparam>
public interface IResourceListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Gets a description for logs, e.g. <c>multiclusterleases in default</c>.</summary>
    string Description { get; }

    /// <summary>Lists the objects.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The objects and the list's resource version.</returns>
    Task<ResourceListPage<T>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens one watch stream with bookmarks, from <paramref name="resourceVersion"/> (exclusive), and yields its events
    /// until the server ends it. A <c>Status</c> sent in the stream (e.g. 410 Gone) goes to <paramref name="onError"/>,
    /// as the official client reports it, not as an event.
    /// </summary>
    /// <param name="resourceVersion">Where to start; <see langword="null"/> = now.</param>
    /// <param name="onError">Receives errors reported in the stream.</param>
    /// <param name="cancellationToken">Closes the stream.</param>
    /// <returns>The events, bookmarks included.</returns>
    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string? resourceVersion, Action<Exception> onError, CancellationToken cancellationToken);
}

/// <summary>The answer of a list call.</summary>
/// <typeparam name="T">The object type.</typeparam>
/// <param name="Items">The objects.</param>
/// <param name="ResourceVersion">The list's resource version.</param>
public sealed record ResourceListPage<T>(IReadOnlyList<T> Items, string? ResourceVersion);

/// <summary>One change reported by a <see cref="ResourceWatcher{T}"/>.</summary>
/// <typeparam name="T">The object type.</typeparam>
/// <param name="Type"><see cref="WatchEventType.Added"/>, <see cref="WatchEventType.Modified"/> or <see cref="WatchEventType.Deleted"/>.</param>
/// <param name="Object">The object (for a deletion, its last known state).</param>
public sealed record ResourceChange<T>(WatchEventType Type, T Object);
