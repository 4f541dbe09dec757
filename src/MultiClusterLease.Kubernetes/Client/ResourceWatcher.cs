using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Api.Meta;

namespace MultiClusterLease.Kubernetes.Client;

/// <summary>
/// Keeps an up-to-date view of a set of objects, in the manner of client-go's reflector: lists them, then watches from
/// the list's resource version, re-opening the watch from the last resource version seen (events and bookmarks) when
/// the server ends it. When that version has expired (410 Gone, on opening or as an <c>ERROR</c> event) it lists again
/// and reports the difference from what it had: <see cref="WatchEventType.Added"/> for new objects,
/// <see cref="WatchEventType.Modified"/> for ones with a new resource version, <see cref="WatchEventType.Deleted"/> for
/// ones gone. Other failures are retried after a jittered exponential backoff
/// (<see cref="ResourceWatcherOptions.InitialBackoff"/> doubling up to <see cref="ResourceWatcherOptions.MaxBackoff"/>).
/// </summary>
/// <typeparam name="T">The object type.</typeparam>
public sealed partial class ResourceWatcher<T>
    where T : class, IKubernetesObject
{
    /// <summary>A stream that ends sooner than this after opening, with no event, counts as a failure (no hot loop).</summary>
    private static readonly TimeSpan MinimumHealthyStream = TimeSpan.FromSeconds(1);

    private readonly IKubernetesApi api;
    private readonly ResourceType type;
    private readonly ResourceWatcherOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private long restarts;
    private bool connected;
    private long lastSyncUtcTicks;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="api">The API.</param>
    /// <param name="type">The resource to watch.</param>
    /// <param name="options">Namespace, selectors, timeouts; <see langword="null"/> = all namespaces, no selector.</param>
    /// <param name="timeProvider">The clock for backoff delays; <see langword="null"/> = <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; <see langword="null"/> = none.</param>
    public ResourceWatcher(
        IKubernetesApi api, ResourceType type, ResourceWatcherOptions? options = null, TimeProvider? timeProvider = null, ILogger<ResourceWatcher<T>>? logger = null)
    {
        this.api = api ?? throw new ArgumentNullException(nameof(api));
        this.type = type ?? throw new ArgumentNullException(nameof(type));
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
    /// <returns>The events, in order, each with its object.</returns>
    /// <exception cref="OperationCanceledException">When cancelled; never for server or transport failures, which are retried.</exception>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
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
                    KubernetesList<T>? list = null;
                    try
                    {
                        list = await api.ListAsync<T>(type, options.Namespace, new ListOptions { LabelSelector = options.LabelSelector, FieldSelector = options.FieldSelector }, cancellationToken)
                            ;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failures++;
                        Volatile.Write(ref connected, false);
                        LogListFailed(logger, ex, type.Plural, failures);
                    }

                    if (list is null)
                    {
                        await BackoffAsync(failures, cancellationToken);
                        continue;
                    }

                    failures = 0;
                    resourceVersion = list.Metadata.ResourceVersion ?? "";
                    MarkSynced();
                    foreach (var reconciled in Reconcile(cache, list))
                    {
                        yield return reconciled;
                    }
                }

                var outcome = StreamEnd.Closed;
                var received = 0;
                var opened = timeProvider.GetTimestamp();
                var watchOptions = new WatchOptions
                {
                    ResourceVersion = resourceVersion.Length == 0 ? null : resourceVersion,
                    LabelSelector = options.LabelSelector,
                    FieldSelector = options.FieldSelector,
                    AllowBookmarks = true,
                    TimeoutSeconds = options.WatchTimeoutSeconds,
                };
                // No ConfigureAwait(false) in this loop: on an async iterator's MoveNextAsync it moves every continuation
                // to the thread pool, out of the caller's synchronization context (the deterministic simulation's).
                var events = api.WatchAsync<T>(type, options.Namespace, watchOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
                await using (events)
                {
                    while (true)
                    {
                        WatchEvent<T> next;
                        try
                        {
                            if (!await events.MoveNextAsync())
                            {
                                break;
                            }

                            next = events.Current;
                        }
                        catch (KubernetesApiException ex) when (ex.IsGone)
                        {
                            outcome = StreamEnd.Gone;
                            break;
                        }
                        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            outcome = StreamEnd.Failed;
                            LogWatchFailed(logger, ex, type.Plural, resourceVersion);
                            break;
                        }

                        received++;
                        if (next.Type == WatchEventType.Error)
                        {
                            outcome = next.Status?.Code == 410 ? StreamEnd.Gone : StreamEnd.Failed;
                            if (outcome == StreamEnd.Failed)
                            {
                                LogWatchErrorEvent(logger, type.Plural, next.Status?.Code, next.Status?.Reason, next.Status?.Message);
                            }

                            break;
                        }

                        failures = 0;
                        MarkSynced();
                        resourceVersion = string.IsNullOrEmpty(next.ResourceVersion) ? resourceVersion : next.ResourceVersion;
                        if (next.Type == WatchEventType.Bookmark || next.Object is null)
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

                        yield return next;
                    }
                }

                Interlocked.Increment(ref restarts);
                switch (outcome)
                {
                    case StreamEnd.Gone:
                        LogGone(logger, type.Plural, resourceVersion);
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

    /// <summary>Computes the events that turn <paramref name="cache"/> into <paramref name="list"/>, and updates it.</summary>
    private static List<WatchEvent<T>> Reconcile(Dictionary<string, T> cache, KubernetesList<T> list)
    {
        var events = new List<WatchEvent<T>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            var key = Key(item);
            seen.Add(key);
            if (!cache.TryGetValue(key, out var old))
            {
                events.Add(new WatchEvent<T>(WatchEventType.Added, item, null, item.Metadata.ResourceVersion));
            }
            else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                events.Add(new WatchEvent<T>(WatchEventType.Modified, item, null, item.Metadata.ResourceVersion));
            }

            cache[key] = item;
        }

        foreach (var (key, old) in cache.Where(e => !seen.Contains(e.Key)).ToList())
        {
            cache.Remove(key);
            events.Add(new WatchEvent<T>(WatchEventType.Deleted, old, null, list.Metadata.ResourceVersion));
        }

        return events;
    }

    private static string Key(T item) => $"{item.Metadata.Namespace}/{item.Metadata.Name}";

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
        LogBackoff(logger, type.Plural, delay.TotalSeconds, failures);
        return Task.Delay(delay, timeProvider, cancellationToken);
    }

    private enum StreamEnd
    {
        Closed,
        Gone,
        Failed,
    }
}
