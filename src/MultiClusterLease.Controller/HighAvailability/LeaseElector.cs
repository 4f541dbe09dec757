using System.Runtime.ExceptionServices;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Controller.HighAvailability;

/// <summary>
/// The controller's own active/standby election, on the official client's <see cref="LeaderElector"/> with a
/// <see cref="LeaseLock"/> on a <c>coordination.k8s.io/v1</c> Lease. It adds what the official elector leaves to its
/// caller: running the active replica's work only while leading (cancelled the moment leadership is lost), contending
/// again after a loss, and releasing the Lease on a graceful stop (as client-go's <c>ReleaseOnCancel</c>), so that a
/// standby takes over within a retry period instead of a lease duration.
/// </summary>
internal sealed partial class LeaseElector
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile bool _isLeader;
    private volatile string? _observedHolder;
    private long _lastRenewalTimestamp;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The official client (shared).</param>
    /// <param name="namespace">The Lease's namespace.</param>
    /// <param name="options">Name, identity and timings.</param>
    /// <param name="timeProvider">Measures the time since the last renewal (liveness).</param>
    /// <param name="loggerFactory">The logger factory.</param>
    public LeaseElector(IKubernetes client, string @namespace, LeaderElectionOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _client = client;
        _namespace = @namespace;
        _options = options;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<LeaseElector>();
    }

    /// <summary>Gets this replica's identity in the Lease.</summary>
    public string Identity => _options.Identity;

    /// <summary>Gets <c>namespace/name</c> of the Lease.</summary>
    public string LeaseKey => $"{_namespace}/{_options.LeaseName}";

    /// <summary>Gets whether this replica leads.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Gets the holder last observed, or <see langword="null"/>.</summary>
    public string? ObservedHolder => _observedHolder;

    /// <summary>Gets the time since this replica last wrote the Lease successfully, or <see langword="null"/> before the first write.</summary>
    public TimeSpan? SinceLastRenewal
    {
        get
        {
            var last = Interlocked.Read(ref _lastRenewalTimestamp);
            return last == 0 ? null : _timeProvider.GetElapsedTime(last);
        }
    }

    /// <summary>
    /// Contends for the Lease until <paramref name="stoppingToken"/> fires; while holding it, runs
    /// <paramref name="whileLeading"/>, whose token is cancelled the moment leadership is lost. After a loss it contends again.
    /// On stop it waits for <paramref name="whileLeading"/> to end, then releases the Lease (when
    /// <see cref="LeaderElectionOptions.ReleaseOnCancel"/>) so a standby takes over at once.
    /// </summary>
    /// <param name="whileLeading">The work of the active replica; it must stop promptly when its token is cancelled.</param>
    /// <param name="stoppingToken">Stops the election.</param>
    /// <returns>A task that completes when stopped, or when <paramref name="whileLeading"/> ended on its own (the Lease is then released).</returns>
    /// <exception cref="Exception">Whatever <paramref name="whileLeading"/> threw (the Lease is released first).</exception>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        var leaseLock = new RenewalRecordingLock(new LeaseLock(_client, _namespace, _options.LeaseName, _options.Identity), this);
        while (!stoppingToken.IsCancellationRequested)
        {
            using var electing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task? work = null;
            using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            elector.OnStartedLeading += () =>
            {
                _isLeader = true;
                Log.Acquired(_logger, LeaseKey, Identity);
                work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);

                // Work that ends on its own ends the election too (the Lease is then released).
                _ = work.ContinueWith(_ => electing.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            };
            elector.OnStoppedLeading += () =>
            {
                // Say so before the work has wound down, so nothing reports this replica as active any more.
                _isLeader = false;
                leading.Cancel();
            };
            elector.OnNewLeader += holder =>
            {
                _observedHolder = holder;
                Log.Holder(_logger, LeaseKey, holder);
            };
            elector.OnError += ex => Log.AttemptFailed(_logger, LeaseKey, ex.Message);

            try
            {
                await elector.RunUntilLeadershipLostAsync(electing.Token);
            }
            catch (OperationCanceledException) when (electing.IsCancellationRequested)
            {
            }

            // Also ends the renewal the official elector may still run in the background after a loss.
            var stopping = electing.IsCancellationRequested;
            await electing.CancelAsync();
            _isLeader = false;
            await leading.CancelAsync();
            ExceptionDispatchInfo? failure = null;
            if (work is not null)
            {
                try
                {
                    await work;
                }
                catch (OperationCanceledException) when (leading.IsCancellationRequested)
                {
                }
#pragma warning disable CA1031 // Rethrown below, after the Lease is released.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }
            }

            if (!stopping)
            {
                // The renew deadline passed: lost. Contend again.
                Log.Lost(_logger, LeaseKey, Identity);
                failure?.Throw();
                continue;
            }

            if (work is not null && (_options.ReleaseOnCancel || !stoppingToken.IsCancellationRequested))
            {
                await ReleaseAsync();
            }

            failure?.Throw();
            if (work is not null && !stoppingToken.IsCancellationRequested)
            {
                Log.WorkEnded(_logger, LeaseKey);
            }

            return;
        }
    }

    /// <summary>
    /// Writes the Lease free (holder "", as client-go's release) when this replica still holds it, on a lock of its own
    /// so that no renewal still in flight in the stopped elector can reuse the released version.
    /// </summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var releasing = new LeaseLock(_client, _namespace, _options.LeaseName, _options.Identity);
            var current = await releasing.GetAsync(timeout.Token);
            if (current?.HolderIdentity != _options.Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            var released = await releasing.UpdateAsync(
                new LeaderElectionRecord { HolderIdentity = "", LeaseDurationSeconds = 1, AcquireTime = now, RenewTime = now, LeaderTransitions = current.LeaderTransitions },
                timeout.Token);
            if (released)
            {
                Log.Released(_logger, LeaseKey, Identity);
            }
            else
            {
                Log.ReleaseFailed(_logger, LeaseKey, "the Lease changed since it was read");
            }
        }
#pragma warning disable CA1031 // A failed release only delays the standby until the Lease expires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ReleaseFailed(_logger, LeaseKey, ex.Message);
        }
    }

    private void RecordRenewal() => Interlocked.Exchange(ref _lastRenewalTimestamp, _timeProvider.GetTimestamp());

    /// <summary>Passes every call to the official lock, and notes each successful write (for liveness).</summary>
    private sealed class RenewalRecordingLock(ILock inner, LeaseElector owner) : ILock
    {
        public string Identity => inner.Identity;

        public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => inner.GetAsync(cancellationToken);

        public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
            => Noted(await inner.CreateAsync(record, cancellationToken));

        public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
            => Noted(await inner.UpdateAsync(record, cancellationToken));

        public string Describe() => inner.Describe();

        private bool Noted(bool written)
        {
            if (written)
            {
                owner.RecordRenewal();
            }

            return written;
        }
    }
}
