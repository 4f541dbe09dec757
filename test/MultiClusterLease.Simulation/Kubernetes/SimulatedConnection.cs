using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using MultiClusterLease.Simulation.Faults;
using MultiClusterLease.Simulation.Scheduling;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// One process's connection to a <see cref="SimulatedCluster"/>, below any client interface: every request travels
/// with a seeded latency (so concurrent requests and answers can arrive in another order than sent), runs on the
/// server, and its answer travels back as work of the calling process. The link's faults apply: a partition loses
/// requests and answers (the caller sees a transport error after a timeout; the request may have been applied),
/// injected 409s, lost answers, dropped watches and duplicated watch events. The client seams
/// (<see cref="SimulatedLeaseStore"/>, <see cref="SimulatedCandidateLeaseClient"/>, <see cref="SimulatedLeaseListWatch"/>) are thin adapters over it.
/// </summary>
internal sealed class SimulatedConnection
{
    private static readonly TimeSpan TransportTimeout = TimeSpan.FromSeconds(1);
    private readonly SimulatedProcess _caller;
    private readonly Link _link;
    private readonly Random _random;

    public SimulatedConnection(SimulatedCluster cluster, SimulatedProcess caller, Link link, Random random)
    {
        Cluster = cluster;
        _caller = caller;
        _link = link;
        _random = random;
    }

    public SimulatedCluster Cluster { get; }

    /// <summary>Sends a PATCH (merge patch): subject to injected 409s.</summary>
    public Task<JsonObject> PatchAsync(string? @namespace, string name, string patch, string? subresource, CancellationToken cancellationToken)
        => CallAsync(
            () =>
            {
                if (_link.ConflictProbability > 0 && _random.NextDouble() < _link.ConflictProbability)
                {
                    throw SimulatedCluster.Conflict(name);
                }

                return Cluster.Patch(@namespace, name, patch, subresource);
            },
            write: true,
            cancellationToken);

    /// <summary>
    /// Opens a watch stream from <paramref name="resourceVersion"/> (exclusive; null = now): its events, in order,
    /// until the server drops it; an <see cref="WatchEventType.Error"/> 410 when the version is too old.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, JsonObject? Object, long Version)> WatchAsync(string? @namespace, string? fieldSelector, string? resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Opening the stream is a request like any other.
        await CallAsync(static () => true, write: false, cancellationToken);
        var mailbox = new Mailbox<Delivery>(_caller);
        var lastArrival = _caller.Loop.NowTicks;

        void Deliver(WatchEventType kind, JsonObject? obj, long version)
        {
            var copies = _link.DuplicateProbability > 0 && _random.NextDouble() < _link.DuplicateProbability ? 2 : 1;
            for (var i = 0; i < copies; i++)
            {
                // A stream keeps its order: each event arrives after the one before it.
                var arrival = Math.Max(lastArrival, _caller.Loop.NowTicks + Latency().Ticks);
                lastArrival = arrival;
                var item = new Delivery(kind, obj, version);
                After(TimeSpan.FromTicks(arrival - _caller.Loop.NowTicks), () =>
                {
                    if (_link.IsPartitioned)
                    {
                        mailbox.Fail(new HttpRequestException("simulated partition: the watch stream broke"));
                        return;
                    }

                    mailbox.Add(item);
                });
            }
        }

        void Close() => After(Latency(), mailbox.Complete);

        long? from = long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var watch = Cluster.Watch(@namespace, fieldSelector, from, Deliver, Close);
        if (watch is null)
        {
            yield return (WatchEventType.Error, null, 0);
            yield break;
        }

        watch.Owner = _link;
        try
        {
            while (true)
            {
                var next = await mailbox.TakeAsync(cancellationToken);
                if (next is null)
                {
                    yield break;
                }

                yield return (next.Type, next.Object, next.Version);
            }
        }
        finally
        {
            Cluster.Unsubscribe(watch);
        }
    }

    private TimeSpan Latency()
    {
        var latency = TimeSpan.FromMilliseconds(1 + (_random.NextDouble() * 9));
        if (_link.ExtraLatency > TimeSpan.Zero)
        {
            latency += TimeSpan.FromTicks((long)(_link.ExtraLatency.Ticks * _random.NextDouble()));
        }

        return latency;
    }

    private void After(TimeSpan delay, Action action)
    {
        var timer = new SimulatedTimer(_caller, _ => action(), null, delay, Timeout.InfiniteTimeSpan);
        _ = timer;
    }

    /// <summary>Sends a request: to the server after a latency, the answer back after another, both lost in a partition.</summary>
    public Task<T> CallAsync<T>(Func<T> operation, bool write, CancellationToken cancellationToken)
    {

        cancellationToken.ThrowIfCancellationRequested();
        var answer = new TaskCompletionSource<T>();
        var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        void Fail() => answer.TrySetException(new HttpRequestException($"simulated partition between {_link.From} and {_link.To}"));

        if (_link.IsPartitioned)
        {
            After(TransportTimeout, Fail);
            return Finish(answer, registration);
        }

        var server = Cluster.Server;
        var requestLatency = Latency();
        _ = new SimulatedTimer(server, _ =>
        {
            if (_link.IsPartitioned)
            {
                After(TransportTimeout - requestLatency, Fail);
                return;
            }

            T result = default!;
            Exception? error = null;
            try
            {
                result = operation();
            }
#pragma warning disable CA1031 // The server's answer, whatever it is, travels back.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }

            var lost = _link.LostAnswerProbability > 0 && write && _random.NextDouble() < _link.LostAnswerProbability;
            After(Latency(), () =>
            {
                if (lost || _link.IsPartitioned)
                {
                    After(TransportTimeout, Fail);
                }
                else if (error is not null)
                {
                    answer.TrySetException(error);
                }
                else
                {
                    answer.TrySetResult(result);
                }
            });
        }, null, requestLatency, Timeout.InfiniteTimeSpan);
        return Finish(answer, registration);
    }

    private static async Task<T> Finish<T>(TaskCompletionSource<T> answer, CancellationTokenRegistration registration)
    {
        try
        {
            return await answer.Task;
        }
        finally
        {
            registration.Dispose();
        }
    }

    private sealed record Delivery(WatchEventType Type, JsonObject? Object, long Version);
}

/// <summary>The receiving end of a watch stream in the calling process.</summary>
internal sealed class Mailbox<T>(SimulatedProcess owner)
    where T : class
{
    private readonly Queue<T> _items = new();
    private TaskCompletionSource<T?>? _waiter;
    private bool _completed;
    private Exception? _failure;

    public SimulatedProcess Owner { get; } = owner;

    public void Add(T item)
    {
        if (_completed)
        {
            return;
        }

        if (_waiter is { } waiter)
        {
            _waiter = null;
            waiter.TrySetResult(item);
            return;
        }

        _items.Enqueue(item);
    }

    public void Complete()
    {
        _completed = true;
        if (_waiter is { } waiter && _items.Count == 0)
        {
            _waiter = null;
            waiter.TrySetResult(null);
        }
    }

    public void Fail(Exception error)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _failure = error;
        _items.Clear();
        if (_waiter is { } waiter)
        {
            _waiter = null;
            waiter.TrySetException(error);
        }
    }

    public async Task<T?> TakeAsync(CancellationToken cancellationToken)
    {
        if (_items.Count > 0)
        {
            return _items.Dequeue();
        }

        if (_failure is not null)
        {
            throw _failure;
        }

        if (_completed)
        {
            return null;
        }


        var waiter = new TaskCompletionSource<T?>();
        _waiter = waiter;
        using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        return await waiter.Task;
    }
}
