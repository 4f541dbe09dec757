using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Kubernetes.Api.Coordination;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Controller.HighAvailability;

/// <summary>
/// Active/standby election of controller replicas on one <c>coordination.k8s.io/v1</c> Lease, after client-go's
/// <c>leaderelection</c> package:
/// <list type="bullet">
/// <item>Every write is a create (the Lease is absent) or a replace carrying the <c>resourceVersion</c> that was read: the API
/// server answers 409 Conflict when someone wrote in between, so two replicas can never both take the Lease.</item>
/// <item>Expiry is judged on this process's monotonic clock: the Lease is expired when its <c>resourceVersion</c> has not
/// changed, as observed here, for its <c>leaseDurationSeconds</c>, or when its holder is empty. Another machine's
/// <c>renewTime</c> is never compared with this clock. A standby watches the Lease, so it observes each renewal when it
/// happens, and takes over at once after a release or about one lease duration after the last renewal.</item>
/// <item>The leader renews every retry period and stops leading as soon as <see cref="LeaderElectionOptions.RenewDeadline"/>
/// has passed since it sent its last successful renewal, before any standby may take over.</item>
/// </list>
/// </summary>
internal sealed partial class LeaseElector
{
    private readonly IKubernetesApi _api;
    private readonly string _namespace;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly long _origin;
    private readonly Lock _gate = new();
    private readonly WakeSignal _wake = new();

    // What this replica last observed of the Lease (guarded by _gate).
    private bool _observed;
    private bool _observedExists;
    private string? _observedVersion;
    private string _observedHolder = "";
    private TimeSpan _observedAt;
    private TimeSpan _observedDuration;
    private string? _reportedHolder;

    // The Lease as this replica last wrote it while leading; null when unknown (then the next attempt reads it).
    private Lease? _own;
    private long _lastRenewalSentAtTicks = -1;
    private volatile bool _isLeader;
    private ResourceWatcher<Lease>? _watcher;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="api">The Kubernetes API.</param>
    /// <param name="namespace">The Lease's namespace.</param>
    /// <param name="options">The options (identity, name, timings).</param>
    /// <param name="timeProvider">The clock: monotonic time for expiry and deadlines, wall time for the informational fields.</param>
    /// <param name="loggerFactory">The loggers.</param>
    public LeaseElector(IKubernetesApi api, string @namespace, LeaderElectionOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _api = api;
        _namespace = @namespace;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LeaseElector>();
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Gets this replica's identity in the Lease.</summary>
    public string Identity => _options.Identity;

    /// <summary>Gets the Lease, as <c>namespace/name</c>.</summary>
    public string LeaseKey => $"{_namespace}/{_options.LeaseName}";

    /// <summary>Gets whether this replica holds the Lease and leads.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Gets the holder last observed ("" when nobody), or <see langword="null"/> before the first observation.</summary>
    public string? ObservedHolder
    {
        get
        {
            lock (_gate)
            {
                return _observed ? _observedHolder : null;
            }
        }
    }

    /// <summary>Gets the time since the last successful renewal was sent, or <see langword="null"/> when none was.</summary>
    public TimeSpan? SinceLastRenewal
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastRenewalSentAtTicks);
            return ticks < 0 ? null : Now - TimeSpan.FromTicks(ticks);
        }
    }

    private TimeSpan Now => _timeProvider.GetElapsedTime(_origin);

    /// <summary>
    /// Contends for the Lease until <paramref name="stoppingToken"/> fires; while holding it, runs
    /// <paramref name="whileLeading"/>, whose token is cancelled the moment leadership is lost. After a loss it contends again.
    /// On stop it waits for <paramref name="whileLeading"/> to end, then releases the Lease so a standby takes over at once.
    /// </summary>
    /// <param name="whileLeading">The work of the active replica; it must stop promptly when its token is cancelled.</param>
    /// <param name="stoppingToken">Stops the election.</param>
    /// <returns>A task that completes when stopped, or when <paramref name="whileLeading"/> ended on its own (the Lease is then released).</returns>
    /// <exception cref="Exception">Whatever <paramref name="whileLeading"/> threw (the Lease is released first).</exception>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        using var observing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var observer = ObserveAsync(observing.Token);
        try
        {
            while (true)
            {
                try
                {
                    await AcquireAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                _isLeader = true;
                Log.Acquired(_logger, LeaseKey, Identity);
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var hold = HoldAsync(leading.Token);
                var work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);
                await Task.WhenAny(hold, work);
                if (hold.IsCompleted && await hold)
                {
                    // Lost: say so before the work has wound down, so nothing reports this replica as active any more.
                    _isLeader = false;
                }

                await leading.CancelAsync();
                ExceptionDispatchInfo? failure = null;
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

                var lost = await hold;
                _isLeader = false;
                if (lost)
                {
                    ClearOwn();
                    Log.Lost(_logger, LeaseKey, Identity);
                    failure?.Throw();
                    continue;
                }

                if (_options.ReleaseOnCancel || !stoppingToken.IsCancellationRequested)
                {
                    await ReleaseAsync();
                }

                failure?.Throw();
                if (!stoppingToken.IsCancellationRequested)
                {
                    Log.WorkEnded(_logger, LeaseKey);
                }

                return;
            }
        }
        finally
        {
            await observing.CancelAsync();
            try
            {
                await observer;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Watches the Lease and records each change on the monotonic clock; wakes the acquire loop.</summary>
    private async Task ObserveAsync(CancellationToken cancellationToken)
    {
        _watcher = new ResourceWatcher<Lease>(
            _api,
            ResourceType.Leases,
            new ResourceWatcherOptions { Namespace = _namespace, FieldSelector = $"metadata.name={_options.LeaseName}" },
            _timeProvider,
            _loggerFactory.CreateLogger<ResourceWatcher<Lease>>());
        await foreach (var change in _watcher.WatchAsync(cancellationToken))
        {
            if (change.Object?.Metadata.Name != _options.LeaseName)
            {
                continue;
            }

            if (change.Type == WatchEventType.Deleted)
            {
                ObserveAbsent();
            }
            else
            {
                Observe(change.Object);
            }

            _wake.Set();
        }
    }

    private async Task AcquireAsync(CancellationToken cancellationToken)
    {
        var lastAttempt = TimeSpan.MinValue;
        var lastFailed = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = Now;
            var watching = _watcher?.IsConnected == true;
            var retryDue = lastAttempt == TimeSpan.MinValue || now - lastAttempt >= _options.RetryPeriod;
            Attempt? result = null;
            if (retryDue ? !watching || MayTakeOver(now) : !lastFailed && MayTakeOver(now))
            {
                lastAttempt = now;
                using var deadline = new CancellationTokenSource(_options.RenewDeadline, _timeProvider);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                try
                {
                    result = await TryAcquireOrRenewAsync(renewing: false, timeout.Token);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
                {
                    Log.AttemptFailed(_logger, LeaseKey, ex.Message);
                    result = Attempt.Failed;
                }

                if (result == Attempt.Acquired)
                {
                    return;
                }

                lastFailed = result == Attempt.Failed;
            }

            // Sleep until the Lease changes (watch), it may have expired, or a retry period passed without a watch.
            var delay = NextWait(result, lastAttempt, lastFailed);
            await _wake.WaitAsync(delay, _timeProvider, cancellationToken);
        }
    }

    /// <summary>Whether what this replica observed lets it try to take the Lease now.</summary>
    private bool MayTakeOver(TimeSpan now)
    {
        lock (_gate)
        {
            return !_observed || !_observedExists || _observedHolder.Length == 0 || _observedHolder == Identity || now - _observedAt >= _observedDuration;
        }
    }

    /// <summary>How long to sleep before the next look, unless the watch wakes the loop first.</summary>
    /// <param name="result">The outcome of this round's attempt, or <see langword="null"/> when there was none.</param>
    /// <param name="lastAttempt">When the last attempt was made.</param>
    /// <param name="lastFailed">Whether it failed (API or transport error): then the next waits a retry period.</param>
    private TimeSpan NextWait(Attempt? result, TimeSpan lastAttempt, bool lastFailed)
    {
        var now = Now;
        var untilRetry = Max(lastAttempt + Jittered(_options.RetryPeriod) - now, TimeSpan.FromMilliseconds(1));
        if (lastFailed || _watcher?.IsConnected != true)
        {
            return untilRetry;
        }

        if (MayTakeOver(now))
        {
            // Lost a race (the watch wakes us on the next change), or the view changed since the check: look again now.
            return result is null ? TimeSpan.FromMilliseconds(1) : untilRetry;
        }

        // Held by another replica: look again when it would expire, unless the watch shows a change first.
        lock (_gate)
        {
            return Max(_observedAt + _observedDuration - now, TimeSpan.Zero) + TimeSpan.FromMilliseconds(1);
        }
    }

    /// <summary>Renews every retry period until leadership is lost (returns <see langword="true"/>) or cancelled (<see langword="false"/>).</summary>
    private async Task<bool> HoldAsync(CancellationToken leading)
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _timeProvider, leading);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            var renewed = false;
            while (!renewed)
            {
                var remaining = _options.RenewDeadline - (SinceLastRenewal ?? _options.RenewDeadline);
                if (remaining <= TimeSpan.Zero)
                {
                    return true;
                }

                using var deadline = new CancellationTokenSource(remaining, _timeProvider);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(leading, deadline.Token);
                Attempt result;
                try
                {
                    result = await TryAcquireOrRenewAsync(renewing: true, attempt.Token);
                }
                catch (OperationCanceledException) when (leading.IsCancellationRequested)
                {
                    return false;
                }
                catch (Exception ex) when (IsTransient(ex))
                {
                    Log.RenewFailed(_logger, LeaseKey, ex.Message);
                    result = Attempt.Failed;
                }

                switch (result)
                {
                    case Attempt.Acquired:
                        renewed = true;
                        break;
                    case Attempt.HeldByOther:
                        return true;
                    case Attempt.Conflict:
                        // The next attempt reads the Lease again.
                        break;
                    default:
                        try
                        {
                            var pause = TimeSpan.FromTicks(Math.Min(_options.RetryPeriod.Ticks / 2, Math.Max(0, (_options.RenewDeadline - (SinceLastRenewal ?? _options.RenewDeadline)).Ticks)));
                            await Task.Delay(pause, _timeProvider, leading);
                        }
                        catch (OperationCanceledException)
                        {
                            return false;
                        }

                        break;
                }
            }
        }
    }

    /// <summary>
    /// Reads the Lease (or, when renewing, starts from the copy last written), then creates it, renews it, or takes it
    /// over if it is free or expired by this replica's observation. Every write is conditional on what was read.
    /// </summary>
    private async Task<Attempt> TryAcquireOrRenewAsync(bool renewing, CancellationToken cancellationToken)
    {
        Lease? current;
        lock (_gate)
        {
            current = renewing ? _own : null;
        }

        if (current is null)
        {
            try
            {
                current = await _api.GetAsync<Lease>(ResourceType.Leases, _namespace, _options.LeaseName, cancellationToken);
                Observe(current);
            }
            catch (KubernetesApiException ex) when (ex.IsNotFound)
            {
                ObserveAbsent();
            }
        }

        var wall = _timeProvider.GetUtcNow();
        var sentAt = Now;
        if (current is null)
        {
            if (renewing)
            {
                return Attempt.HeldByOther;
            }

            var fresh = new Lease
            {
                Metadata = new() { Name = _options.LeaseName, Namespace = _namespace },
                Spec = new LeaseSpec
                {
                    HolderIdentity = Identity,
                    LeaseDurationSeconds = _options.LeaseDurationSeconds,
                    AcquireTime = wall,
                    RenewTime = wall,
                    LeaseTransitions = 0,
                },
            };
            try
            {
                Succeeded(await _api.CreateAsync(ResourceType.Leases, _namespace, fresh, cancellationToken), sentAt);
                return Attempt.Acquired;
            }
            catch (KubernetesApiException ex) when (ex.IsAlreadyExists || ex.IsConflict)
            {
                return Attempt.Conflict;
            }
        }

        var holder = current.Spec?.HolderIdentity ?? "";
        if (holder != Identity && (renewing || (holder.Length > 0 && !IsExpired(sentAt))))
        {
            return Attempt.HeldByOther;
        }

        var transitions = current.Spec?.LeaseTransitions ?? 0;
        var updated = new Lease
        {
            Metadata = current.Metadata,
            Spec = new LeaseSpec
            {
                HolderIdentity = Identity,
                LeaseDurationSeconds = _options.LeaseDurationSeconds,
                AcquireTime = holder == Identity ? current.Spec?.AcquireTime ?? wall : wall,
                RenewTime = wall,
                LeaseTransitions = holder == Identity ? transitions : transitions + 1,
            },
        };
        try
        {
            Succeeded(await _api.ReplaceAsync(ResourceType.Leases, _namespace, _options.LeaseName, updated, null, cancellationToken), sentAt);
            return Attempt.Acquired;
        }
        catch (KubernetesApiException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            ClearOwn();
            return Attempt.Conflict;
        }
    }

    /// <summary>Writes holder "" (lease duration 1 s) so a standby takes over at once; best effort, bounded by the renew deadline.</summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline, _timeProvider);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Lease? current;
            lock (_gate)
            {
                current = _own;
            }

            try
            {
                current ??= await _api.GetAsync<Lease>(ResourceType.Leases, _namespace, _options.LeaseName, timeout.Token);
                if (current.Spec?.HolderIdentity != Identity)
                {
                    return;
                }

                var wall = _timeProvider.GetUtcNow();
                var released = new Lease
                {
                    Metadata = current.Metadata,
                    Spec = new LeaseSpec
                    {
                        HolderIdentity = "",
                        LeaseDurationSeconds = 1,
                        AcquireTime = wall,
                        RenewTime = wall,
                        LeaseTransitions = current.Spec.LeaseTransitions ?? 0,
                    },
                };
                Observe(await _api.ReplaceAsync(ResourceType.Leases, _namespace, _options.LeaseName, released, null, timeout.Token));
                ClearOwn();
                Log.Released(_logger, LeaseKey, Identity);
                return;
            }
            catch (KubernetesApiException ex) when (ex.IsConflict)
            {
                ClearOwn();
            }
            catch (Exception ex) when (ex is OperationCanceledException || IsTransient(ex))
            {
                Log.ReleaseFailed(_logger, LeaseKey, ex.Message);
                return;
            }
        }
    }

    private void Succeeded(Lease written, TimeSpan sentAt)
    {
        lock (_gate)
        {
            _own = written;
        }

        Interlocked.Exchange(ref _lastRenewalSentAtTicks, sentAt.Ticks);
        Observe(written);
    }

    private void ClearOwn()
    {
        lock (_gate)
        {
            _own = null;
        }
    }

    private bool IsExpired(TimeSpan now)
    {
        lock (_gate)
        {
            return _observedHolder.Length == 0 || now - _observedAt >= _observedDuration;
        }
    }

    private void Observe(Lease lease)
    {
        string? newHolder = null;
        lock (_gate)
        {
            var version = lease.Metadata.ResourceVersion ?? "";
            if (!_observed || !_observedExists || version != _observedVersion)
            {
                _observedVersion = version;
                _observedAt = Now;
            }

            _observed = true;
            _observedExists = true;
            _observedHolder = lease.Spec?.HolderIdentity ?? "";
            _observedDuration = TimeSpan.FromSeconds(Math.Max(lease.Spec?.LeaseDurationSeconds ?? _options.LeaseDurationSeconds, 1));
            if (_reportedHolder != _observedHolder)
            {
                _reportedHolder = newHolder = _observedHolder;
            }
        }

        if (newHolder is not null)
        {
            Log.Holder(_logger, LeaseKey, newHolder.Length == 0 ? "nobody" : newHolder);
        }
    }

    private void ObserveAbsent()
    {
        lock (_gate)
        {
            _observed = true;
            _observedExists = false;
            _observedVersion = null;
            _observedHolder = "";
            _observedAt = Now;
            _reportedHolder = "";
        }
    }

    private static bool IsTransient(Exception ex) => ex is KubernetesApiException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Jittered(TimeSpan period) => Jitter.Add(period, 0.2);

    private enum Attempt
    {
        Acquired,
        HeldByOther,
        Conflict,
        Failed,
    }
}
