using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using k8s;
using MultiClusterLease.Kubernetes.Watching;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// Watches <c>MultiClusterLease</c> objects (one namespace or all) and runs one <see cref="LeaseReconciler"/> per
/// object. Stopping the controller releases nothing: its candidates may still be leading, and their locks expire
/// on their own if nobody renews them (DESIGN §3.5).
/// </summary>
/// <remarks>
/// Each <see cref="RunAsync"/> is a session: a new watch and new reconcilers, which count their first observations as
/// changes, exactly as a controller that has just started. When it returns, every reconciler has stopped. It can run
/// as a hosted service (started with the host), or be run by a caller only while this replica is the active one, e.g.
/// while it holds a leader-election lease; sessions never overlap.
/// </remarks>
public sealed partial class ElectionController : BackgroundService
{
    private readonly IMultiClusterLeaseStore _store;
    private readonly ILockBackend _backend;
    private readonly ILeaseEventSink _events;
    private readonly ElectionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly MonotonicClock _clock;
    private readonly ElectionMetrics? _metrics;
    private readonly Dictionary<string, (LeaseReconciler Reconciler, Task Loop)> _leases = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private ResourceWatcher<Lease>? _watcher;
    private long _earlierWatchRestarts;
    private int _running;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The MultiClusterLease objects of this cluster.</param>
    /// <param name="backend">The global lock backend.</param>
    /// <param name="events">Where events go.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The time provider.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <param name="meterFactory">Creates the <see cref="ElectionMetrics.MeterName"/> meter; <see langword="null"/> = no metrics.</param>
    public ElectionController(
        IMultiClusterLeaseStore store,
        ILockBackend backend,
        ILeaseEventSink events,
        IOptions<ElectionOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory = null)
    {
        _store = store;
        _backend = backend;
        _events = events;
        _options = options.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ElectionController>();
        _clock = new MonotonicClock(timeProvider);
        _metrics = meterFactory is null ? null : new ElectionMetrics(meterFactory, MetricsStates, () => WatchRestarts);
    }

    /// <summary>Gets whether a session (<see cref="RunAsync"/>) is running: only then does this controller reconcile.</summary>
    public bool IsRunning => Volatile.Read(ref _running) == 1;

    /// <summary>Gets whether the watch on <c>MultiClusterLease</c> objects is connected (for readiness); <see langword="false"/> between sessions.</summary>
    public bool WatchConnected => IsRunning && _watcher?.IsConnected == true;

    /// <summary>Gets how many times the watch restarted, over every session.</summary>
    public long WatchRestarts => Interlocked.Read(ref _earlierWatchRestarts) + (_watcher?.Restarts ?? 0);

    /// <summary>Gets whether every lease's last backend request succeeded (for readiness).</summary>
    public bool BackendHealthy
    {
        get
        {
            lock (_gate)
            {
                return _leases.Values.All(l => l.Reconciler.BackendHealthy);
            }
        }
    }

    /// <summary>Gets a snapshot of each lease: key, reported holder and fencing token.</summary>
    /// <returns>The snapshot.</returns>
    public IReadOnlyList<(string Key, string Holder, long FencingToken)> Leases()
    {
        lock (_gate)
        {
            return _leases.Select(l => (l.Key, l.Value.Reconciler.ReportedHolder, l.Value.Reconciler.ReportedFencingToken)).ToList();
        }
    }

    /// <summary>
    /// Runs one session until <paramref name="cancellationToken"/> fires: lists and watches <c>MultiClusterLease</c>
    /// objects and reconciles each. Returns once every reconciler has stopped; stopping releases nothing.
    /// </summary>
    /// <param name="cancellationToken">Ends the session.</param>
    /// <returns>A task that completes when the session is over.</returns>
    /// <exception cref="InvalidOperationException">A session is already running.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            throw new InvalidOperationException("The election controller is already running.");
        }

        try
        {
            await RunSessionAsync(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _leases.Clear();
            }

            if (_watcher is { } watcher)
            {
                Interlocked.Add(ref _earlierWatchRestarts, watcher.Restarts);
                _watcher = null;
            }

            Volatile.Write(ref _running, 0);
        }
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        _watcher = new ResourceWatcher<Lease>(
            _store.ListWatch(string.IsNullOrEmpty(_options.Namespace) ? null : _options.Namespace),
            // Candidates' signals arrive only by watch: after an outage, reconnect within the shortest retry period, not
            // the default 30 s backoff, so a leader follows within leaseDuration + retryPeriod of healing.
            new ResourceWatcherOptions { MaxBackoff = TimeSpan.FromSeconds(Protocol.LeaseTiming.MinRetryPeriodSeconds) },
            _timeProvider,
            _loggerFactory.CreateLogger<ResourceWatcher<Lease>>());
        Log.Starting(_logger, string.IsNullOrEmpty(_options.Namespace) ? "all namespaces" : $"namespace {_options.Namespace}", _options.ControllerIdentity);

        try
        {
            await foreach (var change in _watcher.WatchAsync(stoppingToken))
            {
                var lease = change.Object;
                var key = $"{lease.Metadata.NamespaceProperty}/{lease.Metadata.Name}";
                lock (_gate)
                {
                    if (change.Type == WatchEventType.Deleted)
                    {
                        if (_leases.TryGetValue(key, out var gone))
                        {
                            gone.Reconciler.OnDeleted();
                        }

                        continue;
                    }

                    if (!_leases.TryGetValue(key, out var entry) || entry.Loop.IsCompleted)
                    {
                        var reconciler = new LeaseReconciler(key, _backend, _store, _events, _options, _clock, _timeProvider, _loggerFactory.CreateLogger<LeaseReconciler>(), _metrics);
                        reconciler.OnChanged(lease);
                        entry = (reconciler, RunDetachedAsync(reconciler, stoppingToken));
                        _leases[key] = entry;
                        Log.Tracking(_logger, key);
                    }
                    else
                    {
                        entry.Reconciler.OnChanged(lease);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        Task[] loops;
        lock (_gate)
        {
            loops = _leases.Values.Select(l => l.Loop).ToArray();
        }

        await Task.WhenAll(loops);
        Log.Stopped(_logger);
    }

    /// <summary>
    /// Runs a reconciler's loop off the watch loop: <see cref="Task.Yield"/> returns to the caller at once and resumes on
    /// the thread pool (or on the synchronization context of a deterministic simulation, which Task.Run would bypass).
    /// </summary>
    private static async Task RunDetachedAsync(LeaseReconciler reconciler, CancellationToken stoppingToken)
    {
        await Task.Yield();
        await reconciler.RunAsync(stoppingToken);
    }

    private IReadOnlyList<LeaseMetricsState> MetricsStates()
    {
        lock (_gate)
        {
            return _leases
                .Where(l => !l.Value.Loop.IsCompleted)
                .Select(l => new LeaseMetricsState(
                    l.Key,
                    l.Value.Reconciler.LockName,
                    l.Value.Reconciler.ReportedHolder,
                    l.Value.Reconciler.ReportedHolderIsLocal,
                    l.Value.Reconciler.ReportedFencingToken,
                    l.Value.Reconciler.ReportedLeaseTransitions))
                .ToList();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Election controller {Identity} watching MultiClusterLeases in {Scope}")]
        public static partial void Starting(ILogger logger, string scope, string identity);

        [LoggerMessage(2, LogLevel.Information, "Tracking MultiClusterLease {Lease}")]
        public static partial void Tracking(ILogger logger, string lease);

        [LoggerMessage(3, LogLevel.Information, "Election controller stopped; locks are left to their holders")]
        public static partial void Stopped(ILogger logger);
    }
}
