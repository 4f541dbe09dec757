using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Assignment;
using MultiClusterLease.Sharding.Fencing;
using MultiClusterLease.Sharding.Fencing.Global;
using MultiClusterLease.Sharding.Membership;
using MultiClusterLease.Sharding.Observation;
using MultiClusterLease.Sharding.Sources;

namespace MultiClusterLease.Sharding.Ownership;

/// <summary>
/// One peer of sharded ownership (DESIGN §7). Each decision pass — every probe interval, when the shard set changes,
/// when a stop completes, and when a renewal falls due — lists the sharding Leases once, renews this peer's own Lease
/// when due, computes the live peers and the rendezvous assignment, and then per shard: acquires the fence of a shard it
/// should own (at most once per fence throttle) and starts the work; renews the fences it holds; and for a shard it
/// should no longer own (or whose fence was lost, or whose work returned) cancels the work, awaits it, and only then
/// releases the fence. A timer per owned shard cancels the work at the renew deadline even when passes stall.
/// Leaving (the run's token cancelled): stops every shard the same way, then deletes its peer Lease.
/// </summary>
internal sealed partial class ShardCoordinator
{
    private readonly IKubernetes _client;
    private readonly ShardedOwnershipOptions _options;
    private readonly IShardSource _source;
    private readonly IShardWorker _worker;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly LeaseDirectory _directory;
    private readonly IShardFence _fence;
    private readonly WakeSignal _wake = new();
    private readonly Dictionary<string, ShardSlot> _slots = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _requests;
    private volatile IReadOnlySet<string>? _shards;
    private V1LeaseHandle _peerLease;
    private IReadOnlyList<ShardPeer> _peers = [];
    private bool _leaving;
    private long? _joinedAt;

    public ShardCoordinator(
        IKubernetes client, ShardedOwnershipOptions options, IShardSource source, IShardWorker worker, TimeProvider timeProvider, ILoggerFactory loggerFactory, IShardFence? fence = null)
    {
        _client = client;
        _options = options;
        _source = source;
        _worker = worker;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<ShardCoordinator>();
        _directory = new LeaseDirectory(timeProvider);
        _requests = new SemaphoreSlim(options.MaxConcurrentRequests);
        var fenceLogger = loggerFactory.CreateLogger<IShardFence>();
        _fence = fence ?? (options.FenceKind == FenceKind.MultiClusterLease
            ? new MultiClusterLeaseShardFence(client, options, timeProvider, fenceLogger)
            : new LeaseShardFence(client, options, _directory, timeProvider, fenceLogger));
    }

    /// <summary>Gets the peer's identity.</summary>
    public string PeerId => _options.PeerId;

    /// <summary>Gets the shards this peer owns now, with their fencing tokens.</summary>
    public IReadOnlyDictionary<string, long> Owned
    {
        get
        {
            lock (_slots)
            {
                return _slots.Values.Where(s => s.State == ShardState.Owned).ToDictionary(s => s.Shard, s => s.Token, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Gets the live peers as this peer last saw them.</summary>
    public IReadOnlyList<ShardPeer> Peers => Volatile.Read(ref _peers);

    /// <summary>Runs the peer until <paramref name="stoppingToken"/> is cancelled, then leaves gracefully.</summary>
    /// <param name="stoppingToken">Stops the peer.</param>
    /// <returns>A task that completes when the peer has left.</returns>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        LogStarting(_logger, _options.PeerId, _options.Namespace, _options.FenceKind);
        using var sourceStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var pump = PumpShardsAsync(sourceStop.Token);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PassAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogPassActionFailed(_logger, _options.PeerId, e.Message);
                }

                await _wake.WaitAsync(NextPassIn(), _timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await LeaveAsync().ConfigureAwait(false);
            await sourceStop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    private async Task PumpShardsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var shards in _source.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                _shards = shards;
                _wake.Set();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogSourceFailed(_logger, e);
        }
    }

    /// <summary>One decision pass.</summary>
    private async Task PassAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = RequestTimeout(cancellationToken);
            var list = await _client.CoordinationV1.ListNamespacedLeaseAsync(_options.Namespace, labelSelector: ShardedOwnershipOptions.RoleLabel, cancellationToken: timeout.Token).ConfigureAwait(false);
            _directory.Update(list.Items);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogListFailed(_logger, e.Message);
        }

        if (_directory.Listed && (_peerLease.Lease is null || _timeProvider.GetElapsedTime(_peerLease.RenewedFrom) >= _options.RenewInterval))
        {
            await RenewPeerLeaseAsync(cancellationToken).ConfigureAwait(false);
        }

        var peers = PeerLeases.Live(_directory, _options);
        if (_logger.IsEnabled(LogLevel.Information) && !peers.Select(p => p.Id).SequenceEqual(_peers.Select(p => p.Id), StringComparer.Ordinal))
        {
            var names = string.Join(", ", peers.Select(p => p.Id));
            LogPeersChanged(_logger, _options.PeerId, names);
        }

        Volatile.Write(ref _peers, peers);

        // A peer acquires nothing until a probe interval after its own Lease was first written: by then it has listed
        // the peers that started with it, instead of grabbing every shard and handing most back at once.
        var joined = _directory.Listed && _joinedAt is { } at && _timeProvider.GetElapsedTime(at) >= _options.ProbeInterval;
        var shards = _shards ?? new HashSet<string>();
        var actions = new List<Func<Task>>();
        lock (_slots)
        {
            foreach (var shard in shards)
            {
                if (!_slots.ContainsKey(shard))
                {
                    _slots[shard] = new ShardSlot(shard);
                }
            }

            foreach (var slot in _slots.Values.ToList())
            {
                var desired = joined && shards.Contains(slot.Shard) && RendezvousHashing.Owner(slot.Shard, peers) == _options.PeerId;
                if (slot.State == ShardState.Idle && !shards.Contains(slot.Shard))
                {
                    _slots.Remove(slot.Shard);
                }
                else if (slot.State == ShardState.Idle && desired && _timeProvider.GetTimestamp() >= slot.NextTryAt)
                {
                    actions.Add(() => AcquireAsync(slot, cancellationToken));
                }
                else if (slot.State == ShardState.Owned)
                {
                    if (!desired || slot.WorkTask!.IsCompleted || slot.Work!.IsCancellationRequested)
                    {
                        BeginStop(slot, !desired ? "moved" : slot.Work!.IsCancellationRequested ? "renew deadline passed" : "work ended");
                    }
                    else if (_timeProvider.GetElapsedTime(slot.RenewedFrom) >= _options.RenewInterval)
                    {
                        actions.Add(() => RenewAsync(slot, cancellationToken));
                    }
                }
            }
        }

        await Task.WhenAll(actions.Select(a => GuardAsync(a, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Runs one action of a pass; a failure (a timeout included) is logged and retried by a later pass.</summary>
    private async Task GuardAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogPassActionFailed(_logger, _options.PeerId, e.Message);
        }
    }

    private TimeSpan NextPassIn()
    {
        var next = _options.ProbeInterval;
        if (_joinedAt is { } joinedAt && _timeProvider.GetElapsedTime(joinedAt) < _options.ProbeInterval)
        {
            var toJoin = _options.ProbeInterval - _timeProvider.GetElapsedTime(joinedAt);
            next = toJoin < next ? toJoin : next;
        }

        lock (_slots)
        {
            foreach (var slot in _slots.Values)
            {
                if (slot.State == ShardState.Owned)
                {
                    var due = _options.RenewInterval - _timeProvider.GetElapsedTime(slot.RenewedFrom);
                    next = due < next ? due : next;
                }
            }
        }

        return next;
    }

    private async Task AcquireAsync(ShardSlot slot, CancellationToken cancellationToken)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _timeProvider.GetTimestamp();
            using var timeout = RequestTimeout(cancellationToken);
            var token = await _fence.TryAcquireAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
            if (token is not { } t || cancellationToken.IsCancellationRequested)
            {
                slot.NextTryAt = _timeProvider.GetTimestamp() + Ticks(_options.FenceThrottle);
                if (token is not null)
                {
                    using var releaseTimeout = RequestTimeout(CancellationToken.None);
                    await _fence.ReleaseAsync(slot.Shard, releaseTimeout.Token).ConfigureAwait(false);
                }

                return;
            }

            StartWork(slot, t, start);
        }
        finally
        {
            _requests.Release();
        }
    }

    private void StartWork(ShardSlot slot, long token, long renewedFrom)
    {
        var work = new CancellationTokenSource();
        slot.Token = token;
        slot.RenewedFrom = renewedFrom;
        slot.Work = work;
        slot.Deadline = _timeProvider.CreateTimer(_ => OnDeadline(slot, work), null, Remaining(renewedFrom), Timeout.InfiniteTimeSpan);
        var assignment = new ShardAssignment(slot.Shard, token, _options.PeerId);
        LogOwnershipStarted(_logger, _options.PeerId, slot.Shard, token);
        slot.WorkTask = Task.Run(() => _worker.RunAsync(assignment, work.Token), CancellationToken.None);
        slot.State = ShardState.Owned;
        slot.WorkTask.ContinueWith(_ => _wake.Set(), TaskScheduler.Default);
    }

    private void OnDeadline(ShardSlot slot, CancellationTokenSource work)
    {
        try
        {
            LogRenewDeadlinePassed(_logger, _options.PeerId, slot.Shard);
            work.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _wake.Set();
    }

    private async Task RenewAsync(ShardSlot slot, CancellationToken cancellationToken)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _timeProvider.GetTimestamp();
            using var timeout = RequestTimeout(cancellationToken);
            var result = await _fence.RenewAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
            switch (result)
            {
                case FenceRenewal.Renewed:
                    slot.RenewedFrom = start;
                    slot.Deadline?.Change(Remaining(start), Timeout.InfiniteTimeSpan);
                    break;
                case FenceRenewal.Lost:
                    LogFenceLost(_logger, _options.PeerId, slot.Shard);
                    lock (_slots)
                    {
                        BeginStop(slot, "fence lost");
                    }

                    break;
                default:
                    break;
            }
        }
        finally
        {
            _requests.Release();
        }
    }

    /// <summary>Cancels the work, awaits it, then releases the fence; the slot is idle afterwards. Call under the lock.</summary>
    private void BeginStop(ShardSlot slot, string reason)
    {
        if (slot.State != ShardState.Owned)
        {
            return;
        }

        slot.State = ShardState.Stopping;
        slot.StopTask = StopAsync(slot, reason);
    }

    private async Task StopAsync(ShardSlot slot, string reason)
    {
        await Task.Yield();
        var work = slot.Work!;
        await work.CancelAsync().ConfigureAwait(false);
        try
        {
            await slot.WorkTask!.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogWorkFailed(_logger, _options.PeerId, slot.Shard, e);
        }

        if (slot.Deadline is { } deadline)
        {
            await deadline.DisposeAsync().ConfigureAwait(false);
        }

        using (var timeout = RequestTimeout(CancellationToken.None))
        {
            await _fence.ReleaseAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
        }

        LogOwnershipEnded(_logger, _options.PeerId, slot.Shard, slot.Token, reason);
        work.Dispose();
        slot.Work = null;
        slot.WorkTask = null;
        slot.Deadline = null;
        slot.NextTryAt = _timeProvider.GetTimestamp() + Ticks(_options.FenceThrottle);
        slot.State = ShardState.Idle;
        _wake.Set();
    }

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
            _peerLease = new V1LeaseHandle(written, start);
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

    private TimeSpan Remaining(long renewedFrom)
    {
        var left = _options.RenewDeadline - _timeProvider.GetElapsedTime(renewedFrom);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Bounds one request by the renew interval, on this peer's clock.</summary>
    private RequestScope RequestTimeout(CancellationToken cancellationToken) => new(_options.RenewInterval, _timeProvider, cancellationToken);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);

    /// <summary>A request's cancellation: the caller's token or the timeout on the peer's clock, whichever comes first.</summary>
    private sealed class RequestScope : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _linked;

        public RequestScope(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(timeout, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        }

        public CancellationToken Token => _linked.Token;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout.Dispose();
        }
    }

    /// <summary>This peer's own Lease as last written, and when that write started.</summary>
    private readonly record struct V1LeaseHandle(k8s.Models.V1Lease? Lease, long RenewedFrom);
}
