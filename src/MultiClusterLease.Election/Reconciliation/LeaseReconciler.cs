using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Timing;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// Runs the election of one <c>MultiClusterLease</c> (DESIGN §3): on every spec change and every retry period (with
/// jitter) it reads or writes the global lock, at most one write per second, and reports the outcome in status. One
/// reconcile runs at a time per lease.
/// </summary>
public sealed partial class LeaseReconciler
{
    /// <summary>
    /// The condition, <c>True</c> while a deleted CR's lock is not released yet because its holder may still be leading;
    /// its message says for how long at most.
    /// </summary>
    public const string ReleasePendingCondition = "ReleasePending";

    private static readonly TimeSpan Stop = TimeSpan.MinValue;

    private readonly Lock _gate = new();
    private readonly string _key;
    private readonly ILockBackend _backend;
    private readonly IMultiClusterLeaseStore _store;
    private readonly ILeaseEventSink _events;
    private readonly ElectionOptions _options;
    private readonly MonotonicClock _clock;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ElectionMetrics? _metrics;
    private readonly WakeSignal _wake = new();
    private readonly CandidateTracker _candidates = new();

    private Lease? _latest;
    private bool _gone;
    private LockObserver _lock = new();
    private string? _lockName;
    private long _lastWriteSpecGeneration;
    private long _observedGeneration;
    private long _reportedObservedGeneration;
    private string? _uid;
    private string? _lastStatusKey;
    private DateTimeOffset? _lastStatusRenewTime;
    private TimeSpan _lastStatusWriteAt;
    private string? _lastBackendError;
    private long _lastInvalidSpecGeneration;
    private string _lastReportedHolder = "";
    private string? _releasePending;
    private string? _releasePendingReportedFor;
    private readonly Dictionary<string, (string Status, DateTimeOffset At)> _conditionTransitions = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The <c>namespace/name</c> key of the lease.</param>
    /// <param name="backend">The global lock backend.</param>
    /// <param name="store">The MultiClusterLease objects of this cluster.</param>
    /// <param name="events">Where events go.</param>
    /// <param name="options">The controller options.</param>
    /// <param name="clock">This process's monotonic clock.</param>
    /// <param name="timeProvider">The time provider (delays).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">Records reconcile durations and errors; <see langword="null"/> = none.</param>
    public LeaseReconciler(string key, ILockBackend backend, IMultiClusterLeaseStore store, ILeaseEventSink events, ElectionOptions options, MonotonicClock clock, TimeProvider timeProvider, ILogger logger, ElectionMetrics? metrics = null)
    {
        _metrics = metrics;
        _key = key;
        _backend = backend;
        _store = store;
        _events = events;
        _options = options;
        _clock = clock;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the holder this controller last reported in status ("" when nobody holds the lock).</summary>
    public string ReportedHolder => _lastReportedHolder;

    /// <summary>Gets the fencing token last reported, or 0.</summary>
    public long ReportedFencingToken { get; private set; }

    /// <summary>Gets whether the holder last reported in status is a candidate of this cluster.</summary>
    public bool ReportedHolderIsLocal { get; private set; }

    /// <summary>Gets the lock's <c>leaseTransitions</c> last reported in status, if any.</summary>
    public long? ReportedLeaseTransitions { get; private set; }

    /// <summary>Gets the global lock name of the last reconcile ("" before the first).</summary>
    public string LockName => _lockName ?? "";

    /// <summary>Gets whether the backend answered the last request.</summary>
    public bool BackendHealthy => _lastBackendError is null;

    /// <summary>Records a new state of the object from the watch and wakes the loop. Spec changes are liveness signals.</summary>
    /// <param name="lease">The object.</param>
    public void OnChanged(Lease lease)
    {
        bool wake;
        lock (_gate)
        {
            // A CR deleted and created again under the same name is the same election: keep going.
            var previous = _latest;
            wake = _gone || previous is null
                || previous.Metadata.Generation != lease.Metadata.Generation
                || previous.Metadata.DeletionTimestamp != lease.Metadata.DeletionTimestamp
                || previous.Metadata.Uid != lease.Metadata.Uid
                || !(previous.Metadata.Finalizers ?? []).SequenceEqual(lease.Metadata.Finalizers ?? []);
            _gone = false;
            _latest = lease;
            wake |= _candidates.Observe(lease.Spec?.HolderIdentity ?? "", lease.Spec?.RenewTime, lease.Metadata.Generation ?? 0, _clock.Now);
        }

        // Status-only changes (this controller's own writes) need no reconcile.
        if (wake)
        {
            _wake.Set();
        }
    }

    /// <summary>Records that the object is gone from the API server and wakes the loop.</summary>
    public void OnDeleted()
    {
        lock (_gate)
        {
            _gone = true;
        }

        _wake.Set();
    }

    /// <summary>Runs the reconcile loop until the lease is deleted or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the loop. Stopping releases nothing: the candidate may still be leading.</param>
    /// <returns>A task that completes when the loop ends.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan next;
            var started = _timeProvider.GetTimestamp();
            string? error = null;
            try
            {
                next = await ReconcileOnceAsync(cancellationToken);
                error = BackendHealthy ? null : "backend";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex.IsNotFound())
            {
                Log.LeaseVanished(_logger, _key);
                next = TimeSpan.FromSeconds(1);
            }
#pragma warning disable CA1031 // A reconcile must never crash the controller; the loop retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ReconcileFailed(_logger, _key, ex);
                next = TimeSpan.FromSeconds(2);
                error = ex is HttpOperationException or KubernetesException or HttpRequestException ? "kubernetes_api" : "exception";
            }

            _metrics?.RecordReconcile(_key, _timeProvider.GetElapsedTime(started), error);

            if (next == Stop)
            {
                Log.Stopped(_logger, _key);
                return;
            }

            await WaitAsync(next, cancellationToken);
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await _wake.WaitAsync(delay, _timeProvider, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The loop ends on its next check.
        }
    }

    /// <summary>Runs one reconcile.</summary>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <returns>How long to wait before the next one (unless woken), or <see cref="Stop"/>.</returns>
    internal async Task<TimeSpan> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        Lease? lease;
        bool gone;
        lock (_gate)
        {
            lease = _latest;
            gone = _gone;
        }

        if (lease is null)
        {
            return Stop;
        }

        if (lease.Metadata.Uid != _uid)
        {
            // A CR created again under the same name counts its generations from 1: forget the old object's.
            _uid = lease.Metadata.Uid;
            _observedGeneration = 0;
            _reportedObservedGeneration = 0;
            _lastWriteSpecGeneration = 0;
            _lastStatusKey = null;
        }

        var generation = lease.Metadata.Generation ?? 0;
        var deleting = gone || lease.Metadata.DeletionTimestamp is not null;
        var hasFinalizer = lease.Metadata.Finalizers?.Contains(MultiClusterLeaseApi.Finalizer) == true;

        if (gone && !hasFinalizer)
        {
            // Deleted without our finalizer (removed by hand): release best-effort, then stop.
            await ReleaseIfHeldAsync(lease, cancellationToken);
            return Stop;
        }

        if (!deleting && !hasFinalizer && !await PatchFinalizersAsync(lease, add: true, cancellationToken))
        {
            // The watch lags behind: add it to the freshest version instead of conflicting on every reconcile.
            var fresh = await _store.GetAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, cancellationToken);
            if (fresh.Metadata.Finalizers?.Contains(MultiClusterLeaseApi.Finalizer) != true && fresh.Metadata.DeletionTimestamp is null)
            {
                await PatchFinalizersAsync(fresh, add: true, cancellationToken);
            }
        }

        var valid = LeaseTiming.TryFromSpec(lease.Spec, out var timing, out var specError);
        var lockName = lease.EffectiveLockName;
        if (valid && !LockNames.IsValid(lockName, out var lockNameError))
        {
            valid = false;
            specError = lockNameError;
        }

        if (_lockName != lockName)
        {
            if (_lockName is not null)
            {
                Log.LockNameChanged(_logger, _key, _lockName, lockName);
            }

            _lockName = lockName;
            _lock = new LockObserver();
            _lastWriteSpecGeneration = 0;
        }

        if (!valid && !deleting)
        {
            if (_lastInvalidSpecGeneration != generation)
            {
                _lastInvalidSpecGeneration = generation;
                Log.InvalidSpec(_logger, _key, specError!);
                _events.Record(lease, "Warning", LeaseEventReasons.InvalidSpec, specError!);
            }

            await WriteStatusAsync(lease, timing, specError, force: false, cancellationToken);
            return timing.RetryPeriod;
        }

        // 1. Decide on what we know when we hold the lock and wrote it last; otherwise read it once.
        var backendOperation = false;
        var decisionGeneration = generation;
        var decision = _lock.SnapshotIsOwnWrite ? DecideOnLatest(lease, timing, deleting, out decisionGeneration) : null;
        var needRead = decision is null || (decision.Action == ElectionAction.Follow && !(HeldForLiveLocalCandidate(timing) && generation <= _observedGeneration));
        if (needRead)
        {
            try
            {
                var snapshot = await _backend.ReadAsync(lockName, cancellationToken);
                _lock.ObserveRead(snapshot, _clock.Now, _clock.WallNow);
                backendOperation = true;
                SetBackendHealthy(lease, snapshot);
            }
            catch (LockBackendException ex)
            {
                SetBackendError(lease, ex.Message);
                await WriteStatusAsync(lease, timing, null, force: false, cancellationToken);
                return Jittered(timing.RetryPeriod);
            }

            // Decide on the newest spec: a signal that arrived during the read is answered by this reconcile's write.
            decision = DecideOnLatest(lease, timing, deleting, out decisionGeneration);
        }

        // 2. Write when the decision asks for it, never faster than one write per second.
        if (decision!.Action != ElectionAction.Follow)
        {
            // Another writer's change is not waited for here: this controller sees it up to a poll period after its
            // commit, so waiting a second from the observation costs more than the rare 429 (retried by the backend).
            var now = _clock.Now;
            if (_lock.LastWriteAttemptAt is { } last && now - last < _options.MinWriteInterval)
            {
                return last + _options.MinWriteInterval - now;
            }

            var expected = _lock.Snapshot!.Generation;
            _lock.ObserveWriteAttempt(now);
            LockWriteResult result;
            try
            {
                result = await _backend.WriteAsync(lockName, decision.Record!, expected, cancellationToken);
            }
            catch (LockBackendException ex)
            {
                _lock.Invalidate();
                SetBackendError(lease, ex.Message);
                await WriteStatusAsync(lease, timing, null, force: false, cancellationToken);
                return Jittered(timing.RetryPeriod);
            }

            if (result.Status == LockWriteStatus.PreconditionFailed)
            {
                Log.PreconditionFailed(_logger, _key, decision.Action, expected);
                _lock.Invalidate();
                return TimeSpan.Zero;
            }

            _lock.ObserveOwnWrite(decision.Record!, result.Generation, _clock.Now, _clock.WallNow);

            // Space writes from the moment this one committed: GCS counts its one-write-per-second from commits.
            _lock.ObserveWriteAttempt(_clock.Now);
            // The write was made after this controller saw decisionGeneration: it confirms that signal.
            _lastWriteSpecGeneration = decisionGeneration;
            _observedGeneration = Math.Max(_observedGeneration, decisionGeneration);
            backendOperation = true;
            SetBackendHealthy(lease, _lock.Snapshot!);
            if (decision.Action == ElectionAction.Renew)
            {
                Log.Renewed(_logger, _key, decision.Record!.HolderIdentity, result.Generation);
            }
            else
            {
                Log.Wrote(_logger, _key, decision.Action, decision.Record!.HolderIdentity, decision.Record.Epoch, result.Generation, decision.Reason);
            }

            ReportWrite(lease, decision, lockName);
        }

        // 3. Report. observedGeneration = G only when a backend read or write made after seeing G decided the holder. A
        // read never answers a signal of the local holder (only a write made after it does, DESIGN §5): while the CR is
        // being deleted the holder's renewals stay unanswered, so it stops leading by its renew deadline.
        if (backendOperation && !HolderSignalOutstanding())
        {
            _observedGeneration = Math.Max(_observedGeneration, generation);
        }

        await WriteStatusAsync(lease, timing, null, force: false, cancellationToken);

        if (deleting)
        {
            var holder = _lock.Snapshot?.Record?.HolderIdentity ?? "";
            if (holder.Length == 0 || !_candidates.IsLocal(holder))
            {
                // Released, or held by another cluster (or by a candidate this controller never saw, whose lock then
                // expires on its own): removing the finalizer releases nothing.
                if (!gone && !await RemoveFinalizerAsync(lease, cancellationToken))
                {
                    return TimeSpan.FromMilliseconds(200);
                }

                return Stop;
            }

            await ReportReleasePendingAsync(lease, timing, holder, cancellationToken);
        }

        return NextDelay(timing);
    }

    /// <summary>
    /// Whether the lock is held by a local candidate whose latest observed signal no write has answered yet. Only
    /// while the CR is being deleted does such a signal stay unanswered (otherwise it is renewed); then no read may
    /// report it as answered.
    /// </summary>
    private bool HolderSignalOutstanding()
    {
        var holder = _lock.Snapshot?.Record?.HolderIdentity ?? "";
        return _candidates.IsLocal(holder) && _candidates.LastSignalGeneration(holder) > _lastWriteSpecGeneration;
    }

    /// <summary>
    /// While a deleted CR's holder may still lead: says in status and (once) in an Event how long the release waits.
    /// </summary>
    private async Task ReportReleasePendingAsync(Lease lease, LeaseTiming timing, string holder, CancellationToken cancellationToken)
    {
        var now = _clock.Now;
        var until = ReleaseDeadline(holder, timing) ?? now;
        var seconds = Math.Max(0, (int)Math.Ceiling((until - now).TotalSeconds));
        var message = $"the MultiClusterLease is being deleted: waiting up to {seconds} s for {holder}'s lease to run out before releasing the lock (a deleted CR does not stop its candidate, which may still be leading)";
        _releasePending = message;
        if (_releasePendingReportedFor != lease.Metadata.Uid)
        {
            _releasePendingReportedFor = lease.Metadata.Uid;
            Log.ReleasePending(_logger, _key, holder, seconds);
            _events.Record(lease, "Normal", LeaseEventReasons.ReleasePending, message);
        }

        await WriteStatusAsync(lease, timing, null, force: false, cancellationToken);
    }

    /// <summary>The monotonic time by which a local holder's lock may be released: when it goes stale or the lock expires.</summary>
    private TimeSpan? ReleaseDeadline(string holder, LeaseTiming timing)
    {
        var staleAt = _candidates.LiveUntil(holder, timing.LeaseDuration);
        var expiresAt = _lock.ExpiresAt();
        return (staleAt, expiresAt) switch
        {
            ({ } s, { } e) => s < e ? s : e,
            ({ } s, null) => s,
            (null, { } e) => e,
            _ => null,
        };
    }

    /// <summary>
    /// Decides on the newest state of the CR: the signals the watch delivered while the lock was being read count too,
    /// and a write made for them confirms their generation.
    /// </summary>
    private ElectionDecision DecideOnLatest(Lease fallback, LeaseTiming timing, bool deleting, out long decisionGeneration)
    {
        Lease lease;
        lock (_gate)
        {
            lease = _latest ?? fallback;
        }

        decisionGeneration = lease.Metadata.Generation ?? 0;
        return Decide(lease, timing, deleting || lease.Metadata.DeletionTimestamp is not null);
    }

    private ElectionDecision Decide(Lease lease, LeaseTiming timing, bool deleting)
    {
        var now = _clock.Now;
        var specHolder = lease.Spec?.HolderIdentity ?? "";
        var snapshot = _lock.Snapshot ?? LockSnapshot.Absent;
        var lockHolder = snapshot.Record?.HolderIdentity ?? "";
        return ElectionDecider.Decide(new ElectionInput
        {
            SpecHolder = specHolder,
            SpecHolderLive = _candidates.IsLive(specHolder, timing.LeaseDuration, now),
            SpecHolderAwaitingAnswer = (lease.Metadata.Generation ?? 0) > Math.Max(_reportedObservedGeneration, lease.Status?.ObservedGeneration ?? 0),
            Lock = snapshot,
            LockExpired = _options.BrokenTakeOverAfterRenewDeadline ? _lock.IsExpiredAfter(now, timing.RenewDeadline) : _lock.IsExpired(now),
            LockHolderIsLocal = _candidates.IsLocal(lockHolder),
            LockHolderLive = _candidates.IsLive(lockHolder, timing.LeaseDuration, now),
            LockHolderReleased = specHolder.Length == 0 && lockHolder.Length > 0 && _candidates.ReleasedBy == lockHolder,
            LockHolderSignalledSinceLastWrite = _candidates.LastSignalGeneration(lockHolder) > _lastWriteSpecGeneration,
            Deleting = deleting,
            LeaseDurationSeconds = timing.LeaseDurationSeconds,
            WallNow = _clock.WallNow,
            Nonce = Guid.NewGuid().ToString("N"),
        });
    }

    /// <summary>
    /// Whether the lock, as this controller last wrote it, is held by a live local candidate: then nobody else may
    /// write it before it expires, and a timer-driven read would learn nothing.
    /// </summary>
    private bool HeldForLiveLocalCandidate(LeaseTiming timing)
    {
        var holder = _lock.Snapshot?.Record?.HolderIdentity ?? "";
        return _lock.SnapshotIsOwnWrite && _candidates.IsLocal(holder) && _candidates.IsLive(holder, timing.LeaseDuration, _clock.Now);
    }

    private async Task ReleaseIfHeldAsync(Lease lease, CancellationToken cancellationToken)
    {
        if (_lockName is null)
        {
            return;
        }

        LeaseTiming.TryFromSpec(lease.Spec, out var timing, out _);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (!_lock.SnapshotIsOwnWrite)
                {
                    _lock.ObserveRead(await _backend.ReadAsync(_lockName, cancellationToken), _clock.Now, _clock.WallNow);
                }

                // Only when no local candidate can still lead; otherwise the lock expires on its own (as when the
                // controller stops), and other clusters take it once it has gone unchanged for its lease duration.
                var decision = Decide(lease, timing, deleting: true);
                if (decision.Action != ElectionAction.Release)
                {
                    if (_lock.Snapshot?.Record?.HolderIdentity is { Length: > 0 } holder && _candidates.IsLocal(holder))
                    {
                        Log.LeftToExpire(_logger, _key, holder);
                    }

                    return;
                }

                var result = await _backend.WriteAsync(_lockName, decision.Record!, _lock.Snapshot!.Generation, cancellationToken);
                if (result.Status == LockWriteStatus.Committed)
                {
                    Log.Wrote(_logger, _key, decision.Action, "", decision.Record!.Epoch, result.Generation, decision.Reason);
                    return;
                }

                _lock.Invalidate();
            }
            catch (LockBackendException ex)
            {
                Log.ReleaseFailed(_logger, _key, ex);
                return;
            }
        }
    }

    private TimeSpan NextDelay(LeaseTiming timing)
    {
        var next = Jittered(timing.RetryPeriod);
        var now = _clock.Now;
        var holder = _lock.Snapshot?.Record?.HolderIdentity ?? "";
        if (_candidates.IsLocal(holder) && ReleaseDeadline(holder, timing) is { } releaseAt && releaseAt > now)
        {
            // Release as soon as the holding candidate goes stale, or (CR being deleted) its lock expires.
            next = TimeSpan.FromTicks(Math.Min(next.Ticks, (releaseAt - now).Ticks + TimeSpan.FromMilliseconds(10).Ticks));
        }

        return next;
    }

    private TimeSpan Jittered(TimeSpan period) => Jitter.Add(period, _options.JitterFactor);

    private void SetBackendHealthy(Lease lease, LockSnapshot snapshot)
    {
        var error = snapshot.IsCorrupt ? $"the lock object is not a valid lock record and will not be overwritten: {snapshot.CorruptionError}" : null;
        if (error is not null && _lastBackendError != error)
        {
            Log.LockCorrupt(_logger, _key, snapshot.CorruptionError!);
            _events.Record(lease, "Warning", LeaseEventReasons.LockObjectCorrupt, error);
        }

        _lastBackendError = error;
    }

    private void SetBackendError(Lease lease, string message)
    {
        if (_lastBackendError != message)
        {
            Log.BackendFailed(_logger, _key, message);
            if (_lastBackendError is null)
            {
                _events.Record(lease, "Warning", LeaseEventReasons.BackendUnavailable, message);
            }
        }

        _lastBackendError = message;
    }

    private void ReportWrite(Lease lease, ElectionDecision decision, string lockName)
    {
        var where = _backend.Describe(lockName);
        switch (decision.Action)
        {
            case ElectionAction.Create:
            case ElectionAction.TakeOver:
                _events.Record(lease, "Normal", LeaseEventReasons.Acquired, $"{decision.Record!.HolderIdentity} acquired {where} (fencing token {decision.Record.Epoch}): {decision.Reason}");
                break;
            case ElectionAction.Release:
                _events.Record(lease, "Normal", LeaseEventReasons.Released, $"released {where} (fencing token {decision.Record!.Epoch}): {decision.Reason}");
                break;
        }
    }

    private async Task WriteStatusAsync(Lease lease, LeaseTiming timing, string? specError, bool force, CancellationToken cancellationToken)
    {
        var status = BuildStatus(lease, specError);
        var key = StatusKey(status);
        var now = _clock.Now;
        var renewAdvanced = status.GlobalRenewTime != _lastStatusRenewTime;
        var refreshDue = now - _lastStatusWriteAt >= timing.LeaseDuration / 3;
        if (!force && key == _lastStatusKey && (!renewAdvanced || !refreshDue))
        {
            return;
        }

        var patch = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
        var statusNode = patch["status"]!.AsObject();
        foreach (var field in new[] { "globalAcquireTime", "globalRenewTime", "fencingToken", "globalLeaseDurationSeconds", "globalLeaseTransitions" })
        {
            statusNode.TryAdd(field, null);
        }

        await _store.PatchStatusAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, patch.ToJsonString(), cancellationToken);
        _lastStatusKey = key;
        _reportedObservedGeneration = Math.Max(_reportedObservedGeneration, status.ObservedGeneration ?? 0);
        _lastStatusRenewTime = status.GlobalRenewTime;
        _lastStatusWriteAt = now;

        var holder = status.GlobalHolderIdentity ?? "";
        if (holder != _lastReportedHolder)
        {
            if (_candidates.IsLocal(_lastReportedHolder) && holder.Length > 0 && !_candidates.IsLocal(holder))
            {
                _events.Record(lease, "Normal", LeaseEventReasons.Lost, $"{_lastReportedHolder} lost the lock to {holder}");
            }

            _lastReportedHolder = holder;
        }

        ReportedFencingToken = status.FencingToken ?? 0;
        ReportedLeaseTransitions = status.GlobalLeaseTransitions;
        ReportedHolderIsLocal = _candidates.IsLocal(holder);
    }

    private V1Alpha1MultiClusterLeaseStatus BuildStatus(Lease lease, string? specError)
    {
        var generation = lease.Metadata.Generation ?? 0;
        var record = _lock.Snapshot?.Record;
        var holder = record?.HolderIdentity ?? "";
        var specHolder = lease.Spec?.HolderIdentity ?? "";
        var wall = _clock.WallNow;
        var previous = lease.Status?.Conditions ?? [];

        V1Condition Make(string type, bool value, string reason, string message)
        {
            var status = value ? ConditionStatus.True : ConditionStatus.False;
            if (!_conditionTransitions.TryGetValue(type, out var known))
            {
                var old = previous.FirstOrDefault(c => c.Type == type);
                known = old is null ? ("", default) : (old.Status, new DateTimeOffset(DateTime.SpecifyKind(old.LastTransitionTime, DateTimeKind.Utc)));
            }

            if (known.Status != status)
            {
                known = (status, new DateTimeOffset(wall.UtcDateTime.AddTicks(-(wall.UtcDateTime.Ticks % TimeSpan.TicksPerSecond)), TimeSpan.Zero));
            }

            _conditionTransitions[type] = known;
            return new V1Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = generation,
                LastTransitionTime = known.At.UtcDateTime,
            };
        }

        var conditions = new List<V1Condition>
        {
            specError is null
                ? Make(ConditionTypes.SpecValid, true, "Valid", "the spec is valid")
                : Make(ConditionTypes.SpecValid, false, "InvalidSpec", specError),
            _lastBackendError is null
                ? Make(ConditionTypes.BackendHealthy, true, "BackendReachable", $"{(_lockName is null ? "the backend" : _backend.Describe(_lockName))} answered")
                : Make(ConditionTypes.BackendHealthy, false, _lock.Snapshot?.IsCorrupt == true ? "LockObjectCorrupt" : "BackendError", _lastBackendError),
            holder.Length > 0 && holder == specHolder
                ? Make(ConditionTypes.LockAcquiredInBackend, true, "LockHeld", $"{holder} holds the global lock")
                : Make(ConditionTypes.LockAcquiredInBackend, false, holder.Length == 0 ? "NotHeld" : "HeldByOther", holder.Length == 0 ? "nobody holds the global lock" : $"{holder} holds the global lock"),
        };

        if (lease.Metadata.DeletionTimestamp is not null && _releasePending is not null)
        {
            conditions.Add(Make(ReleasePendingCondition, true, "HolderMayStillLead", _releasePending));
        }

        return new V1Alpha1MultiClusterLeaseStatus
        {
            ObservedGeneration = _observedGeneration == 0 ? lease.Status?.ObservedGeneration : _observedGeneration,
            GlobalHolderIdentity = holder,
            GlobalRenewTime = record is null ? null : _lock.LastChangeWallTime,
            GlobalLeaseDurationSeconds = record?.LeaseDurationSeconds,
            GlobalLeaseTransitions = record?.LeaseTransitions,
            GlobalAcquireTime = record?.AcquireTime,
            FencingToken = record?.Epoch,
            LockObject = _lockName is null ? null : _backend.Describe(_lockName),
            Conditions = conditions,
        };
    }

    private static string StatusKey(V1Alpha1MultiClusterLeaseStatus status)
    {
        // globalRenewTime is refreshed on its own schedule; everything else is written as soon as it changes.
        var renewTime = status.GlobalRenewTime;
        status.GlobalRenewTime = null;
        var key = KubernetesJson.Serialize(status);
        status.GlobalRenewTime = renewTime;
        return key;
    }

    /// <summary>Removes our finalizer from the freshest version of the object; false when another writer raced us.</summary>
    private async Task<bool> RemoveFinalizerAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            var fresh = await _store.GetAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, cancellationToken);
            if (fresh.Metadata.Finalizers?.Contains(MultiClusterLeaseApi.Finalizer) != true)
            {
                return true;
            }

            return await PatchFinalizersAsync(fresh, add: false, cancellationToken);
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            return true;
        }
    }

    private async Task<bool> PatchFinalizersAsync(Lease lease, bool add, CancellationToken cancellationToken)
    {
        var finalizers = new List<string>(lease.Metadata.Finalizers ?? []);
        if (add)
        {
            finalizers.Add(MultiClusterLeaseApi.Finalizer);
        }
        else
        {
            finalizers.RemoveAll(f => f == MultiClusterLeaseApi.Finalizer);
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                ["resourceVersion"] = lease.Metadata.ResourceVersion,
            },
        };
        try
        {
            await _store.PatchAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, patch.ToJsonString(), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex.IsConflict())
        {
            // A newer version is on its way through the watch; the next reconcile retries.
            return false;
        }
        catch (Exception ex) when (ex.IsNotFound() && !add)
        {
            return true;
        }
    }
}
