using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Api.Core;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Events;

/// <summary>
/// Records core <c>v1</c> events about objects, in the object's namespace (<c>default</c> for cluster-scoped ones).
/// An event identical to one recorded within <see cref="EventRecorderOptions.AggregationWindow"/> (same object uid,
/// type, reason and message) increments that event's <c>count</c> and <c>lastTimestamp</c> by merge patch instead of
/// creating another. Recording never fails the caller: API and transport errors are logged and dropped. Calls are
/// serialized; thread-safe.
/// </summary>
public sealed partial class EventRecorder
{
    private readonly IKubernetesApi api;
    private readonly EventRecorderOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<(string Object, string Type, string Reason, string Message), Recorded> recent = [];
    private long lastNameSuffix;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="api">The API to write events with.</param>
    /// <param name="options">Reporter names and aggregation window; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timestamps and the aggregation window; <see langword="null"/> = <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; <see langword="null"/> = none.</param>
    public EventRecorder(IKubernetesApi api, EventRecorderOptions? options = null, TimeProvider? timeProvider = null, ILogger<EventRecorder>? logger = null)
    {
        this.api = api ?? throw new ArgumentNullException(nameof(api));
        this.options = options ?? new EventRecorderOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<EventRecorder>.Instance;
    }

    /// <summary>Records an event about <paramref name="involved"/>.</summary>
    /// <param name="involved">The object the event is about (its metadata name, namespace and uid are used).</param>
    /// <param name="type"><see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</param>
    /// <param name="reason">A short CamelCase reason, e.g. <c>LeaderElected</c>.</param>
    /// <param name="message">A human-readable description.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the event is written or its failure logged.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task RecordAsync(IKubernetesObject involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(involved);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(message);
        var metadata = involved.Metadata;
        var ns = string.IsNullOrEmpty(metadata.Namespace) ? "default" : metadata.Namespace;
        var objectKey = metadata.Uid ?? $"{involved.Kind}/{ns}/{metadata.Name}";
        var key = (objectKey, type, reason, message);

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow();
            foreach (var expired in recent.Where(e => now - e.Value.LastSeen >= options.AggregationWindow).Select(e => e.Key).ToList())
            {
                recent.Remove(expired);
            }

            if (recent.TryGetValue(key, out var previous))
            {
                var count = previous.Count + 1;
                var patch = JsonSerializer.Serialize(new { count, lastTimestamp = now }, KubernetesJson.Options);
                try
                {
                    await api.PatchAsync<Event>(ResourceType.Events, previous.Namespace, previous.Name, PatchType.Merge, patch, null, cancellationToken).ConfigureAwait(false);
                    recent[key] = previous with { Count = count, LastSeen = now };
                    return;
                }
                catch (KubernetesApiException ex) when (ex.IsNotFound)
                {
                    // The event expired (the API server keeps events about an hour): record it anew.
                    recent.Remove(key);
                }
            }

            var name = EventName(metadata.Name, now);
            var created = new Event
            {
                Metadata = new ObjectMeta { Name = name, Namespace = ns },
                InvolvedObject = new ObjectReference
                {
                    ApiVersion = involved.ApiVersion,
                    Kind = involved.Kind,
                    Name = metadata.Name,
                    Namespace = metadata.Namespace,
                    Uid = metadata.Uid,
                    ResourceVersion = metadata.ResourceVersion,
                },
                Type = type,
                Reason = reason,
                Message = message,
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = 1,
                Source = new EventSource { Component = options.Component, Host = options.Host },
                ReportingComponent = options.Component,
                ReportingInstance = options.ReportingInstance,
            };
            await api.CreateAsync(ResourceType.Events, ns, created, cancellationToken).ConfigureAwait(false);
            recent[key] = new Recorded(ns, name, 1, now);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRecordFailed(logger, ex, type, reason, ns, metadata.Name);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A unique name as client-go makes them: the object's name, a dot, and a hexadecimal time in nanoseconds.</summary>
    private string EventName(string? objectName, DateTimeOffset now)
    {
        var nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        lastNameSuffix = Math.Max(nanos, lastNameSuffix + 1);
        var prefix = string.IsNullOrEmpty(objectName) ? "object" : objectName;
        var suffix = lastNameSuffix.ToString("x", CultureInfo.InvariantCulture);
        return prefix.Length + suffix.Length + 1 > 253 ? $"{prefix[..(252 - suffix.Length)]}.{suffix}" : $"{prefix}.{suffix}";
    }

    private sealed record Recorded(string Namespace, string Name, int Count, DateTimeOffset LastSeen);
}
