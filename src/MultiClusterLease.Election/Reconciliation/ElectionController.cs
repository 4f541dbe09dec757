using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Kubernetes.Client;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// Watches <c>MultiClusterLease</c> objects (one namespace or all) and runs one <see cref="LeaseReconciler"/> per
/// object. Stopping the controller releases nothing: its candidates may still be leading, and their locks expire
/// on their own if nobody renews them (DESIGN §3.5).
/// </summary>
public sealed partial class ElectionController : BackgroundService
{
    private readonly IKubernetesApi _api;
    private readonly ILockBackend _backend;
    private readonly ILeaseEventSink _events;
    private readonly ElectionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly MonotonicClock _clock;
    private readonly Dictionary<string, (LeaseReconciler Reconciler, Task Loop)> _leases = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private ResourceWatcher<Lease>? _watcher;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="api">The Kubernetes API of this cluster.</param>
    /// <param name="backend">The global lock backend.</param>
    /// <param name="events">Where events go.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The time provider.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    public ElectionController(IKubernetesApi api, ILockBackend backend, ILeaseEventSink events, IOptions<ElectionOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _api = api;
        _backend = backend;
        _events = events;
        _options = options.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ElectionController>();
        _clock = new MonotonicClock(timeProvider);
    }

    /// <summary>Gets whether the watch on <c>MultiClusterLease</c> objects is connected (for readiness).</summary>
    public bool WatchConnected => _watcher?.IsConnected == true;

    /// <summary>Gets how many times the watch restarted.</summary>
    public long WatchRestarts => _watcher?.Restarts ?? 0;

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

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _watcher = new ResourceWatcher<Lease>(
            _api,
            ResourceType.MultiClusterLeases,
            new ResourceWatcherOptions { Namespace = string.IsNullOrEmpty(_options.Namespace) ? null : _options.Namespace },
            _timeProvider,
            _loggerFactory.CreateLogger<ResourceWatcher<Lease>>());
        Log.Starting(_logger, string.IsNullOrEmpty(_options.Namespace) ? "all namespaces" : $"namespace {_options.Namespace}", _options.ControllerIdentity);

        try
        {
            await foreach (var change in _watcher.WatchAsync(stoppingToken))
            {
                if (change.Object is not { } lease)
                {
                    continue;
                }

                var key = $"{lease.Metadata.Namespace}/{lease.Metadata.Name}";
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
                        var reconciler = new LeaseReconciler(key, _backend, _api, _events, _options, _clock, _timeProvider, _loggerFactory.CreateLogger<LeaseReconciler>());
                        reconciler.OnChanged(lease);
                        entry = (reconciler, Task.Run(() => reconciler.RunAsync(stoppingToken), CancellationToken.None));
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
