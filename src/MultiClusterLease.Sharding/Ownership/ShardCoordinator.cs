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
    /// <summary>The coordination cluster: peer Leases and fence Leases.</summary>
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
    private OwnLease _peerLease;
    private IReadOnlyList<ShardPeer> _peers = [];
    private bool _leaving;
    private long? _joinedAt;

    /// <summary>Initializes a new instance of the <see cref="ShardCoordinator"/> class.</summary>
    /// <param name="client">The peer's own cluster: where fence MultiClusterLeases live.</param>
    /// <param name="options">The settings.</param>
    /// <param name="source">Where the shards come from.</param>
    /// <param name="worker">The work per owned shard.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="loggerFactory">The loggers.</param>
    /// <param name="coordinationClient">The coordination cluster: where the peer Leases and fence Leases live, so that
    /// peers in different clusters see each other; <see langword="null"/> = <paramref name="client"/>.</param>
    /// <param name="fence">A fence to use instead of the one <see cref="ShardedOwnershipOptions.FenceKind"/> names.</param>
    public ShardCoordinator(
        IKubernetes client, ShardedOwnershipOptions options, IShardSource source, IShardWorker worker, TimeProvider timeProvider, ILoggerFactory loggerFactory,
        IKubernetes? coordinationClient = null, IShardFence? fence = null)
    {
        _client = coordinationClient ?? client;
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
            : new LeaseShardFence(_client, options, _directory, timeProvider, fenceLogger));
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

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);
}
