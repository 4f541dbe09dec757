using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Errors;

namespace MultiClusterLease.Kubernetes.Watching;

/// <summary>
/// Keeps an up-to-date view of a set of objects, in the manner of client-go's reflector, over the official client's
/// watch (which has no such loop): lists them, then watches from the list's resource version, re-opening the watch from
/// the last resource version seen (events and bookmarks) when the server ends it. When that version has expired (410
/// Gone, answered on opening or sent as a <c>Status</c> in the stream, which the official client reports to its
/// <c>onError</c> callback and not as an event) it lists again and reports the difference from what it had:
/// <see cref="WatchEventType.Added"/> for new objects, <see cref="WatchEventType.Modified"/> for ones with a new resource
/// version, <see cref="WatchEventType.Deleted"/> for ones gone. Other failures are retried after a jittered exponential
/// backoff (<see cref="ResourceWatcherOptions.InitialBackoff"/> doubling up to <see cref="ResourceWatcherOptions.MaxBackoff"/>).
/// </summary>
/// <typeparam name="T">The object type.</typeparam>
public sealed partial class ResourceWatcher<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>A stream that ends sooner than this after opening, with no event, counts as a failure (no hot loop).</summary>
    private static readonly TimeSpan MinimumHealthyStream = TimeSpan.FromSeconds(1);

    private readonly IResourceListWatch<T> source;
    private readonly ResourceWatcherOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private long restarts;
    private bool connected;
    private long lastSyncUtcTicks;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="source">What to list and watch.</param>
    /// <param name="options">Retry delays; <see langword="null"/> = defaults.</param>
    /// <param name="timeProvider">The clock for backoff delays; <see langword="null"/> = <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; <see langword="null"/> = none.</param>
    public ResourceWatcher(IResourceListWatch<T> source, ResourceWatcherOptions? options = null, TimeProvider? timeProvider = null, ILogger<ResourceWatcher<T>>? logger = null)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        this.options = options ?? new ResourceWatcherOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<ResourceWatcher<T>>.Instance;
    }

    /// <summary>Gets how many times a watch stream ended (server timeout, failure or 410) and the watcher went on.</summary>
    public long Restarts => Interlocked.Read(ref restarts);

    /// <summary>Gets whether the last list or watch succeeded: <see langword="true"/> from a successful list until a failure.</summary>
    public bool IsConnected => Volatile.Read(ref connected);

    /// <summary>Gets when the view was last known current: a successful list, any watch event (bookmarks too), or a stream's normal end.</summary>
    public DateTimeOffset? LastSyncTime
    {
        get
        {
            var ticks = Interlocked.Read(ref lastSyncUtcTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Lists, then watches until cancelled. The first list is reported as <see cref="WatchEventType.Added"/> events.
    /// Yields only <see cref="WatchEventType.Added"/>, <see cref="WatchEventType.Modified"/> and
    /// <see cref="WatchEventType.Deleted"/>. Each enumeration keeps its own view; enumerate once at a time.
    /// </summary>
    /// <param name="cancellationToken">Stops watching.</param>
    /// <returns>The changes, in order.</returns>
    /// <exception cref="OperationCanceledException">When cancelled; never for server or transport failures, which are retried.</exception>
    public async IAsyncEnumerable<ResourceChange<T>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cache = new Dictionary<string, T>(StringComparer.Ordinal);
        string? resourceVersion = null;
        var failures = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (resourceVersion is null)
                {
                    ResourceListPage<T>? list = null;
                    try
                    {
                        list = await source.ListAsync(cancellationToken);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failures++;
                        Volatile.Write(ref connected, false);
                        LogListFailed(logger, ex, source.Description, failures);
                    }

                    if (list is null)
                    {
                        await BackoffAsync(failures, cancellationToken);
                        continue;
                    }

                    failures = 0;
                    resourceVersion = list.ResourceVersion ?? "";
                    MarkSynced();
                    foreach (var reconciled in Reconcile(cache, list))
                    {
                        yield return reconciled;
                    }
                }

                var outcome = StreamEnd.Closed;
                var received = 0;
                var opened = timeProvider.GetTimestamp();
                Exception? streamError = null;
                using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                void OnError(Exception ex)
                {
                    // A Status in the stream: the server ends the stream after it; stop reading at once.
                    streamError ??= ex;
                    stream.Cancel();
                }

                var events = source.WatchAsync(resourceVersion.Length == 0 ? null : resourceVersion, OnError, stream.Token).GetAsyncEnumerator(stream.Token);
                // No ConfigureAwait(false) in this loop: on an async iterator's MoveNextAsync it moves every continuation
                // to the thread pool, out of the caller's synchronization context (the deterministic simulation's).
                await using (events)
                {
                    while (true)
                    {
                        (WatchEventType Type, T Object) next;
                        try
                        {
                            if (!await events.MoveNextAsync())
                            {
                                break;
                            }

                            next = events.Current;
                        }
                        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            streamError ??= ex is OperationCanceledException ? null : ex;
                            break;
                        }

                        if (streamError is not null)
                        {
                            break;
                        }

                        received++;
                        failures = 0;
                        MarkSynced();
                        var version = next.Object?.Metadata?.ResourceVersion;
                        resourceVersion = string.IsNullOrEmpty(version) ? resourceVersion : version;
                        if (next.Type is WatchEventType.Bookmark or WatchEventType.Error || next.Object?.Metadata is null)
                        {
                            continue;
                        }

                        var key = Key(next.Object);
                        if (next.Type == WatchEventType.Deleted)
                        {
                            cache.Remove(key);
                        }
                        else
                        {
                            cache[key] = next.Object;
                        }

                        yield return new ResourceChange<T>(next.Type, next.Object);
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (streamError is not null)
                {
                    outcome = streamError.IsGone() ? StreamEnd.Gone : StreamEnd.Failed;
                    if (outcome == StreamEnd.Failed)
                    {
                        LogWatchFailed(logger, streamError, source.Description, resourceVersion);
                    }
                }

                Interlocked.Increment(ref restarts);
                switch (outcome)
                {
                    case StreamEnd.Gone:
                        LogGone(logger, source.Description, resourceVersion);
                        resourceVersion = null;
                        break;
                    case StreamEnd.Failed:
                        failures++;
                        Volatile.Write(ref connected, false);
                        await BackoffAsync(failures, cancellationToken);
                        break;
                    default:
                        if (received == 0 && timeProvider.GetElapsedTime(opened) < MinimumHealthyStream)
                        {
                            // Closed at once without an event: wait before re-opening, as for a failure.
                            failures++;
                            await BackoffAsync(failures, cancellationToken);
                        }
                        else
                        {
                            MarkSynced();
                        }

                        break;
                }
            }
        }
        finally
        {
            Volatile.Write(ref connected, false);
        }
    }

    /// <summary>Computes the changes that turn <paramref name="cache"/> into <paramref name="list"/>, and updates it.</summary>
    private static List<ResourceChange<T>> Reconcile(Dictionary<string, T> cache, ResourceListPage<T> list)
    {
        var changes = new List<ResourceChange<T>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            var key = Key(item);
            seen.Add(key);
            if (!cache.TryGetValue(key, out var old))
            {
                changes.Add(new ResourceChange<T>(WatchEventType.Added, item));
            }
            else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                changes.Add(new ResourceChange<T>(WatchEventType.Modified, item));
            }

            cache[key] = item;
        }

        foreach (var (key, old) in cache.Where(e => !seen.Contains(e.Key)).ToList())
        {
            cache.Remove(key);
            changes.Add(new ResourceChange<T>(WatchEventType.Deleted, old));
        }

        return changes;
    }

    private static string Key(T item) => $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}";

    private void MarkSynced()
    {
        Volatile.Write(ref connected, true);
        Interlocked.Exchange(ref lastSyncUtcTicks, timeProvider.GetUtcNow().UtcTicks);
    }

    private Task BackoffAsync(int failures, CancellationToken cancellationToken)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
        var delay = Timing.Jitter.Scale(TimeSpan.FromMilliseconds(capped), 0.5);
        LogBackoff(logger, source.Description, delay.TotalSeconds, failures);
        return Task.Delay(delay, timeProvider, cancellationToken);
    }

    private enum StreamEnd
    {
        Closed,
        Gone,
        Failed,
    }
}
