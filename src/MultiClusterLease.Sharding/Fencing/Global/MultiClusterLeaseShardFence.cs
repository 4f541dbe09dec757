using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Fencing.Global;

/// <summary>
/// Fences shards with <c>MultiClusterLease</c> custom resources <c>mcr-shard-&lt;shard&gt;</c> in the peer's own cluster
/// (group <c>multicluster.core.cnrm.cloud.google.com</c>, <c>v1alpha1</c>), settled across clusters by the election
/// controllers (DESIGN §3–4): the peer writes <c>spec.holderIdentity</c>/<c>spec.renewTime</c>, then waits until
/// <c>status.observedGeneration</c> reaches the generation of its write; the fence is held when
/// <c>status.globalHolderIdentity</c> names it, and the fencing token is <c>status.fencingToken</c>, the global epoch.
/// <para>Local peers share the resource, so a peer only writes its name into a spec whose holder is empty, itself, or
/// unchanged for the lease duration on its own clock; every write carries the resourceVersion it was decided on.</para>
/// <para>Speaks to the API through <see cref="IKubernetes.CustomObjects"/> only, so it does not depend on the client
/// library's typed model. The answer is awaited by polling every 200 ms (bounded by the renew interval).</para>
/// </summary>
internal sealed partial class MultiClusterLeaseShardFence : IShardFence
{
    private const string Group = "multicluster.core.cnrm.cloud.google.com";
    private const string Version = "v1alpha1";
    private const string Plural = "multiclusterleases";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly IKubernetes _client;
    private readonly ShardedOwnershipOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _trackerLock = new();
    private readonly ChangeTracker _specs;
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);

    public MultiClusterLeaseShardFence(IKubernetes client, ShardedOwnershipOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _client = client;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _specs = new ChangeTracker(timeProvider);
    }

    /// <inheritdoc/>
    public async ValueTask<long?> TryAcquireAsync(string shard, CancellationToken cancellationToken)
    {
        var name = LeaseNames.For(_options.ShardLeasePrefix, shard);
        try
        {
            var current = await GetAsync(name, cancellationToken);
            JsonObject written;
            if (current is null)
            {
                var created = new JsonObject
                {
                    ["apiVersion"] = $"{Group}/{Version}",
                    ["kind"] = "MultiClusterLease",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = _options.Namespace },
                    ["spec"] = Spec(new JsonObject()),
                };
                written = await _client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(created, Group, Version, _options.Namespace, Plural, cancellationToken: cancellationToken);
            }
            else
            {
                var holder = (string?)current["spec"]?["holderIdentity"] ?? "";
                TimeSpan unchanged;
                lock (_trackerLock)
                {
                    _specs.Observe(name, $"{holder}|{current["spec"]?["renewTime"]}");
                    unchanged = _specs.UnchangedFor(name) ?? TimeSpan.Zero;
                }

                if (holder.Length > 0 && holder != _options.PeerId && unchanged < _options.LeaseDuration)
                {
                    return null;
                }

                current["spec"] = Spec(current["spec"] as JsonObject ?? []);
                written = await ReplaceAsync(name, current, cancellationToken);
            }

            var (_, token) = await AwaitAnswerAsync(name, Generation(written), cancellationToken);
            if (token is { } t)
            {
                _held[shard] = t;
            }

            return token;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            return null;
        }
        catch (Exception e)
        {
            LogRequestFailed(_logger, "acquire", name, e.Message);
            return null;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<FenceRenewal> RenewAsync(string shard, CancellationToken cancellationToken)
    {
        if (!_held.TryGetValue(shard, out var token))
        {
            return FenceRenewal.Lost;
        }

        var name = LeaseNames.For(_options.ShardLeasePrefix, shard);
        try
        {
            var current = await GetAsync(name, cancellationToken);
            if (current is null || (string?)current["spec"]?["holderIdentity"] != _options.PeerId)
            {
                _held.TryRemove(shard, out _);
                return FenceRenewal.Lost;
            }

            current["spec"] = Spec((JsonObject)current["spec"]!);
            var written = await ReplaceAsync(name, current, cancellationToken);
            var (answered, confirmed) = await AwaitAnswerAsync(name, Generation(written), cancellationToken);
            if (confirmed == token)
            {
                return FenceRenewal.Renewed;
            }

            if (!answered)
            {
                return FenceRenewal.Failed;
            }

            _held.TryRemove(shard, out _);
            return FenceRenewal.Lost;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            return FenceRenewal.Failed;
        }
        catch (Exception e)
        {
            LogRequestFailed(_logger, "renew", name, e.Message);
            return FenceRenewal.Failed;
        }
    }

    /// <inheritdoc/>
    public async ValueTask ReleaseAsync(string shard, CancellationToken cancellationToken)
    {
        if (!_held.TryRemove(shard, out _))
        {
            return;
        }

        var name = LeaseNames.For(_options.ShardLeasePrefix, shard);
        try
        {
            var current = await GetAsync(name, cancellationToken);
            if (current?["spec"] is JsonObject spec && (string?)spec["holderIdentity"] == _options.PeerId)
            {
                spec["holderIdentity"] = "";
                await ReplaceAsync(name, current, cancellationToken);
            }
        }
        catch (Exception e)
        {
            LogRequestFailed(_logger, "release", name, e.Message);
        }
    }

    private JsonObject Spec(JsonObject spec)
    {
        spec["holderIdentity"] = _options.PeerId;
        spec["renewTime"] = _timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        spec["leaseDurationSeconds"] = (int)_options.LeaseDuration.TotalSeconds;
        spec["renewDeadlineSeconds"] = (int)_options.RenewDeadline.TotalSeconds;
        spec["retryPeriodSeconds"] = (int)_options.GlobalRetryPeriod.TotalSeconds;
        return spec;
    }

    /// <summary>Waits for the controller's answer to the write of a generation.</summary>
    /// <returns>Whether the controller answered within the renew interval, and the fencing token if it confirmed this
    /// peer as the global holder.</returns>
    private async Task<(bool Answered, long? Token)> AwaitAnswerAsync(string name, long generation, CancellationToken cancellationToken)
    {
        var deadline = _timeProvider.GetTimestamp();
        while (_timeProvider.GetElapsedTime(deadline) < _options.RenewInterval)
        {
            var current = await GetAsync(name, cancellationToken);
            var status = current?["status"] as JsonObject;
            if (status is not null && ((long?)status["observedGeneration"] ?? 0) >= generation)
            {
                return (true, (string?)status["globalHolderIdentity"] == _options.PeerId ? (long?)status["fencingToken"] : null);
            }

            await Task.Delay(PollInterval, _timeProvider, cancellationToken);
        }

        return (false, null);
    }

    private async Task<JsonObject?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, _options.Namespace, Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private Task<JsonObject> ReplaceAsync(string name, JsonObject body, CancellationToken cancellationToken) =>
        _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(body, Group, Version, _options.Namespace, Plural, name, cancellationToken: cancellationToken);

    private static long Generation(JsonObject obj) => (long?)obj["metadata"]?["generation"] ?? 0;

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Global fence request {Operation} for MultiClusterLease {Name} failed: {Error}")]
    private static partial void LogRequestFailed(ILogger logger, string operation, string name, string error);
}
