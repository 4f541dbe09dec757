using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;

namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>
/// A scripted <see cref="IKubernetesApi"/>: list answers and watch streams are taken from queues (an empty watch queue
/// gives a stream that stays open until cancelled); every call is recorded.
/// </summary>
public sealed class FakeKubernetesApi : IKubernetesApi
{
    public ConcurrentQueue<Func<object>> Lists { get; } = new();

    public ConcurrentQueue<WatchScript> Watches { get; } = new();

    public ConcurrentQueue<ListOptions?> ListCalls { get; } = new();

    public ConcurrentQueue<WatchOptions> WatchCalls { get; } = new();

    public ConcurrentQueue<Write> Writes { get; } = new();

    /// <summary>Gets or sets what a write does before it is answered with its own input; throw to fail it.</summary>
    public Action<Write> OnWrite { get; set; } = _ => { };

    public Task<T> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ListCalls.Enqueue(options);
        return Lists.TryDequeue(out var next)
            ? Task.FromResult((KubernetesList<T>)next())
            : throw new InvalidOperationException("no list answer scripted");
    }

    public Task<T> CreateAsync<T>(ResourceType type, string? @namespace, T value, CancellationToken cancellationToken = default)
        where T : class
    {
        var write = new Write("create", type, @namespace, null, value, null, null);
        Writes.Enqueue(write);
        OnWrite(write);
        return Task.FromResult(value);
    }

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
    {
        var write = new Write("patch", type, @namespace, name, null, patchType, patch);
        Writes.Enqueue(write);
        OnWrite(write);
        return Task.FromResult<T>(null!);
    }

    public Task<T> ReplaceAsync<T>(ResourceType type, string? @namespace, string name, T value, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public Task DeleteAsync(ResourceType type, string? @namespace, string name, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        WatchCalls.Enqueue(options);
        if (!Watches.TryDequeue(out var script))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        await Task.Yield();
        foreach (var e in script.Events)
        {
            yield return (WatchEvent<T>)e;
        }

        if (script.Error is not null)
        {
            throw script.Error;
        }

        if (script.StayOpen)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}

/// <summary>One scripted watch stream: its events, then an exception, or a normal end, or staying open.</summary>
public sealed record WatchScript(IReadOnlyList<object> Events, Exception? Error = null, bool StayOpen = false);

public sealed record Write(string Verb, ResourceType Type, string? Namespace, string? Name, object? Body, PatchType? PatchType, string? Patch);
