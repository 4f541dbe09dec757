using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Errors;

namespace MultiClusterLease.Kubernetes.Events;

/// <summary>
/// Records core <c>v1</c> events about objects through the official client, in the object's namespace (<c>default</c>
/// for cluster-scoped ones); the official C# client has no event recorder. An event identical to one recorded within
/// <see cref="EventRecorderOptions.AggregationWindow"/> (same object uid, type, reason and message) increments that
/// event's <c>count</c> and <c>lastTimestamp</c> by merge patch instead of creating another. Recording never fails the
/// caller: API and transport errors are logged and dropped. Calls are serialized; thread-safe.
/// </summary>
public sealed partial class EventRecorder
{
    private readonly IKubernetes client;
    private readonly EventRecorderOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<(string Object, string Type, string Reason, string Message), Recorded> recent = [];
    private long lastNameSuffix;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The client to write events with (shared; not disposed here).</param>
    /// <param name="options">Reporter names and aggregation window; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timestamps and the aggregation window; <see langword="null"/> = <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; <see langword="null"/> = none.</param>
    public EventRecorder(IKubernetes client, EventRecorderOptions? options = null, TimeProvider? timeProvider = null, ILogger<EventRecorder>? logger = null)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.options = options ?? new EventRecorderOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<EventRecorder>.Instance;
    }

    /// <summary>Records an event about <paramref name="involved"/>.</summary>
    /// <param name="involved">The object the event is about.</param>
    /// <param name="type"><c>Normal</c> or <c>Warning</c>.</param>
    /// <param name="reason">A CamelCase reason.</param>
    /// <param name="message">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the event was written or dropped.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(involved);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(message);
        var metadata = involved.Metadata;
        var ns = string.IsNullOrEmpty(metadata.NamespaceProperty) ? "default" : metadata.NamespaceProperty;
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
                var patch = new V1Patch(KubernetesJson.Serialize(new Corev1Event { Count = count, LastTimestamp = now.UtcDateTime }), V1Patch.PatchType.MergePatch);
                try
                {
                    await client.CoreV1.PatchNamespacedEventAsync(patch, previous.Name, previous.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                    recent[key] = previous with { Count = count, LastSeen = now };
                    return;
                }
                catch (Exception ex) when (ex.IsNotFound())
                {
                    // The event expired (the API server keeps events about an hour): record it anew.
                    recent.Remove(key);
                }
            }

            var name = EventName(metadata.Name, now);
            var created = new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = involved.ApiVersion,
                    Kind = involved.Kind,
                    Name = metadata.Name,
                    NamespaceProperty = metadata.NamespaceProperty,
                    Uid = metadata.Uid,
                    ResourceVersion = metadata.ResourceVersion,
                },
                Type = type,
                Reason = reason,
                Message = message,
                FirstTimestamp = now.UtcDateTime,
                LastTimestamp = now.UtcDateTime,
                Count = 1,
                Source = new V1EventSource { Component = options.Component, Host = options.Host },
                ReportingComponent = options.Component,
                ReportingInstance = options.ReportingInstance,
            };
            await client.CoreV1.CreateNamespacedEventAsync(created, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
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
