using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Fencing;
using MultiClusterLease.Sharding.Membership;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Ownership;

/// <summary>This peer's own Lease: written each renew interval, deleted when the peer leaves.</summary>
internal sealed partial class ShardCoordinator
{
    private async Task LeaveAsync()
    {
        List<Task> stops;
        lock (_slots)
        {
            _leaving = true;
            foreach (var slot in _slots.Values)
            {
                BeginStop(slot, "leaving");
            }

            stops = [.. _slots.Values.Select(s => s.StopTask).OfType<Task>()];
        }

        await Task.WhenAll(stops).ConfigureAwait(false);
        if (_peerLease.Lease is { } lease)
        {
            try
            {
                using var timeout = RequestTimeout(CancellationToken.None);
                await _client.CoordinationV1.DeleteNamespacedLeaseAsync(lease.Metadata.Name, _options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
                _directory.Forget(lease.Metadata.Name);
            }
            catch (Exception e)
            {
                LogPeerLeaseFailed(_logger, _options.PeerId, e.Message);
            }
        }

        LogLeft(_logger, _options.PeerId, _leaving);
    }

    private async Task RenewPeerLeaseAsync(CancellationToken cancellationToken)
    {
        var start = _timeProvider.GetTimestamp();
        var name = LeaseNames.For(_options.PeerLeasePrefix, _options.PeerId);
        try
        {
            using var timeout = RequestTimeout(cancellationToken);
            var existing = _peerLease.Lease ?? _directory.Get(name)?.Lease;
            var lease = PeerLeases.Renewed(_options, _timeProvider.GetUtcNow(), existing is null ? null : KubernetesJson.Deserialize<k8s.Models.V1Lease>(KubernetesJson.Serialize(existing)));
            var written = existing is null
                ? await _client.CoordinationV1.CreateNamespacedLeaseAsync(lease, _options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false)
                : await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, _options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            _directory.Record(written);
            _peerLease = new OwnLease(written, start);
            _joinedAt ??= start;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound)
        {
            // Stale copy (or the Lease was deleted): start from the next list.
            _peerLease = default;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogPeerLeaseFailed(_logger, _options.PeerId, e.Message);
        }
    }

    /// <summary>This peer's own Lease as last written, and when that write started.</summary>
    private readonly record struct OwnLease(k8s.Models.V1Lease? Lease, long RenewedFrom);
}
