using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Json;
using MultiClusterLease.Simulation.Faults;
using MultiClusterLease.Simulation.Scheduling;

namespace MultiClusterLease.Simulation.Kubernetes;

/// <summary>
/// One process's connection to a <see cref="SimulatedCluster"/>: every request travels with a seeded latency (so
/// concurrent requests and answers can arrive in another order than sent), runs on the server, and its answer
/// travels back as work of the calling process. The link's faults apply: a partition loses requests and answers (the
/// caller sees a transport error after a timeout, the request may have been applied), injected 409s, lost answers,
/// dropped watches and duplicated watch events.
/// </summary>
internal sealed class SimulatedKubernetesApi : IKubernetesApi
{
    private static readonly TimeSpan TransportTimeout = TimeSpan.FromSeconds(1);
    private readonly SimulatedCluster _cluster;
    private readonly SimulatedProcess _caller;
    private readonly Link _link;
    private readonly Random _random;

    public SimulatedKubernetesApi(SimulatedCluster cluster, SimulatedProcess caller, Link link, Random random)
    {
        _cluster = cluster;
        _caller = caller;
        _link = link;
        _random = random;
    }

    public Task<T> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default) where T : class
        => CallAsync(() => SimulatedCluster.As<T>(_cluster.Get(@namespace, name)), write: false, cancellationToken);

    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) where T : class
        => CallAsync(
            () =>
            {
                var (items, version) = _cluster.List(@namespace, options?.FieldSelector);
                return new KubernetesList<T> { Metadata = new ListMeta { ResourceVersion = version.ToString(CultureInfo.InvariantCulture) }, Items = items.Select(SimulatedCluster.As<T>).ToList() };
            },
            write: false,
            cancellationToken);

    public Task<T> CreateAsync<T>(ResourceType type, string? @namespace, T value, CancellationToken cancellationToken = default) where T : class
    {
        var body = JsonSerializer.SerializeToNode(value, KubernetesJson.Options)!.AsObject();
        return CallAsync(() => SimulatedCluster.As<T>(_cluster.Create(@namespace, body)), write: true, cancellationToken);
    }

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string patch, string? subresource = null, CancellationToken cancellationToken = default) where T : class
    {
        if (patchType != PatchType.Merge)
        {
            throw new NotSupportedException("The simulation serves merge patches only.");
        }

        return CallAsync(
            () =>
            {
                if (_link.ConflictProbability > 0 && _random.NextDouble() < _link.ConflictProbability)
                {
                    throw SimulatedCluster.Conflict(name);
                }

                return SimulatedCluster.As<T>(_cluster.Patch(@namespace, name, patch, subresource));
            },
            write: true,
            cancellationToken);
    }

    public Task<T> ReplaceAsync<T>(ResourceType type, string? @namespace, string name, T value, string? subresource = null, CancellationToken cancellationToken = default) where T : class
        => throw new NotSupportedException("Nothing under simulation replaces objects.");

    public Task DeleteAsync(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
        => CallAsync(
            () =>
            {
                _cluster.Delete(@namespace, name);
                return true;
            },
            write: true,
            cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default) where T : class
    {
        // Opening the stream is a request like any other.
        await CallAsync(static () => true, write: false, cancellationToken);
        var mailbox = new Mailbox<WatchEvent<T>>(_caller);
        var lastArrival = _caller.Loop.NowTicks;
        SimulatedCluster.ClusterWatch? watch = null;

        void Deliver(WatchEventType kind, JsonObject? obj, long version)
        {
            var copies = _link.DuplicateProbability > 0 && _random.NextDouble() < _link.DuplicateProbability ? 2 : 1;
            for (var i = 0; i < copies; i++)
            {
                // A stream keeps its order: each event arrives after the one before it.
                var arrival = Math.Max(lastArrival, _caller.Loop.NowTicks + Latency().Ticks);
                lastArrival = arrival;
                var item = new WatchEvent<T>(kind, obj is null ? null : SimulatedCluster.As<T>(obj), null, version.ToString(CultureInfo.InvariantCulture));
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

        long? from = long.TryParse(options.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        watch = _cluster.Watch(@namespace, options.FieldSelector, from, Deliver, Close);
        if (watch is null)
        {
            yield return new WatchEvent<T>(WatchEventType.Error, null, new KubernetesStatus { Code = 410, Reason = "Expired", Message = "too old resource version" }, null);
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

                yield return next;
            }
        }
        finally
        {
            _cluster.Unsubscribe(watch);
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
    private Task<T> CallAsync<T>(Func<T> operation, bool write, CancellationToken cancellationToken)
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

        var server = _cluster.Server;
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
