using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Fencing;

/// <summary>
/// Fences shards with <c>coordination.k8s.io/v1</c> Leases <c>mcr-shard-&lt;shard&gt;</c>, as multicluster-runtime's
/// sharded examples do, and hands out <c>spec.leaseTransitions</c> as the fencing token (+1 for every new holder, kept
/// across releases). A fence may be taken when it is absent (created with transitions 1), released (holder ""), or has
/// not changed for its <c>leaseDurationSeconds</c> as observed by this peer (<see cref="LeaseDirectory"/>); every write
/// carries the resourceVersion it was decided on, so of two peers deciding on the same version only one succeeds.
/// A fence still naming this peer but not held by this process (an earlier incarnation) is waited out like any other.
/// </summary>
internal sealed partial class LeaseShardFence : IShardFence
{
    /// <summary>The value of <see cref="ShardedOwnershipOptions.RoleLabel"/> on fence Leases.</summary>
    public const string Role = "shard";

    private readonly IKubernetes _client;
    private readonly ShardedOwnershipOptions _options;
    private readonly LeaseDirectory _directory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, V1Lease> _held = new(StringComparer.Ordinal);

    public LeaseShardFence(IKubernetes client, ShardedOwnershipOptions options, LeaseDirectory directory, TimeProvider timeProvider, ILogger logger)
    {
        _client = client;
        _options = options;
        _directory = directory;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the fence Lease's name for a shard.</summary>
    /// <param name="shard">The shard.</param>
    /// <returns>The name.</returns>
    public string NameOf(string shard) => LeaseNames.For(_options.ShardLeasePrefix, shard);

    /// <inheritdoc/>
    public async ValueTask<long?> TryAcquireAsync(string shard, CancellationToken cancellationToken)
    {
        var name = NameOf(shard);
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var seen = _directory.Get(name);
        try
        {
            V1Lease written;
            if (seen is null)
            {
                if (!_directory.Listed)
                {
                    return null;
                }

                var created = new V1Lease
                {
                    ApiVersion = "coordination.k8s.io/v1",
                    Kind = "Lease",
                    Metadata = new V1ObjectMeta
                    {
                        Name = name,
                        NamespaceProperty = _options.Namespace,
                        Labels = new Dictionary<string, string> { [ShardedOwnershipOptions.RoleLabel] = Role },
                    },
                    Spec = Held(new V1LeaseSpec(), now, 1),
                };
                written = await _client.CoordinationV1.CreateNamespacedLeaseAsync(created, _options.Namespace, cancellationToken: cancellationToken);
            }
            else
            {
                var (observed, unchangedFor) = seen.Value;
                var lease = Clone(observed);
                var holder = lease.Spec?.HolderIdentity ?? "";
                var duration = TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? (int)_options.LeaseDuration.TotalSeconds);
                if (holder.Length > 0 && unchangedFor < duration)
                {
                    return null;
                }

                var next = (lease.Spec?.LeaseTransitions ?? 0) + 1;
                lease.Spec = Held(lease.Spec ?? new V1LeaseSpec(), now, next);
                written = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, _options.Namespace, cancellationToken: cancellationToken);
            }

            _directory.Record(written);
            _held[shard] = written;
            return written.Spec.LeaseTransitions;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            // Someone wrote first; the next list shows who.
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
        if (!_held.TryGetValue(shard, out var lease))
        {
            return FenceRenewal.Lost;
        }

        lease = Clone(lease);
        var name = lease.Metadata.Name;
        var token = lease.Spec.LeaseTransitions;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                lease.Spec.RenewTime = _timeProvider.GetUtcNow().UtcDateTime;
                try
                {
                    var written = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, _options.Namespace, cancellationToken: cancellationToken);
                    _directory.Record(written);
                    _held[shard] = written;
                    return FenceRenewal.Renewed;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict && attempt == 0)
                {
                    // Someone else wrote it (a take-over, or an edit): ours only if it still names us with our token.
                    lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(name, _options.Namespace, cancellationToken: cancellationToken);
                    _directory.Record(lease);
                    if (lease.Spec?.HolderIdentity != _options.PeerId || lease.Spec.LeaseTransitions != token)
                    {
                        _held.TryRemove(shard, out _);
                        return FenceRenewal.Lost;
                    }
                }
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            _held.TryRemove(shard, out _);
            return FenceRenewal.Lost;
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
        if (!_held.TryRemove(shard, out var lease))
        {
            return;
        }

        lease = Clone(lease);
        var name = lease.Metadata.Name;
        try
        {
            lease.Spec.HolderIdentity = "";
            lease.Spec.RenewTime = _timeProvider.GetUtcNow().UtcDateTime;
            var written = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, _options.Namespace, cancellationToken: cancellationToken);
            _directory.Record(written);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // No longer ours: nothing to release.
        }
        catch (Exception e)
        {
            LogRequestFailed(_logger, "release", name, e.Message);
        }
    }

    private static V1Lease Clone(V1Lease lease) => KubernetesJson.Deserialize<V1Lease>(KubernetesJson.Serialize(lease));

    private V1LeaseSpec Held(V1LeaseSpec spec, DateTime now, int transitions)
    {
        spec.HolderIdentity = _options.PeerId;
        spec.LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds;
        spec.AcquireTime = now;
        spec.RenewTime = now;
        spec.LeaseTransitions = transitions;
        return spec;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Fence request {Operation} for Lease {Lease} failed: {Error}")]
    private static partial void LogRequestFailed(ILogger logger, string operation, string lease, string error);
}
