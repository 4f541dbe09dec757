using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Election.Reconciliation.Pipeline;
using MultiClusterLease.Timing;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// Runs the election of one <c>MultiClusterLease</c> (DESIGN §3): on every spec change and every retry period (with
/// jitter) it reads or writes the global lock, at most one write per second, and reports the outcome in status. One
/// reconcile runs at a time per lease.
/// </summary>
/// <remarks>
/// A pipeline of small pieces (Reconciliation/Pipeline): the <see cref="WakeLoop"/> runs one pass at a time; a pass
/// takes one snapshot of the CR, talks to the lock through the <see cref="LockSession"/>, reports through the
/// <see cref="LeaseStatusWriter"/>, keeps the finalizer with the <see cref="FinalizerEditor"/>, and returns a
/// <see cref="ReconcilePassResult"/>.
/// </remarks>
public sealed partial class LeaseReconciler
{
    /// <summary>
    /// The condition, <c>True</c> while a deleted CR's lock is not released yet because its holder may still be leading;
    /// its message says for how long at most.
    /// </summary>
    public const string ReleasePendingCondition = "ReleasePending";

    private readonly Lock _gate = new();
    private readonly string _key;
    private readonly ILeaseEventSink _events;
    private readonly ElectionOptions _options;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly CandidateTracker _candidates = new();
    private readonly WakeLoop _loop;
    private readonly LockSession _session;
    private readonly LeaseStatusWriter _status;
    private readonly FinalizerEditor _finalizers;
    private readonly LockDecisions _decisions;

    private Lease? _latest;
    private bool _gone;
    private long _observedGeneration;
    private string? _uid;
    private long _lastInvalidSpecGeneration;
    private string? _releasePending;
    private string? _releasePendingReportedFor;

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
        _key = key;
        _events = events;
        _options = options;
        _clock = clock;
        _logger = logger;
        _loop = new WakeLoop(key, timeProvider, logger, metrics);
        _session = new LockSession(key, backend, events, options, clock, logger);
        _status = new LeaseStatusWriter(store, events, _candidates, clock);
        _finalizers = new FinalizerEditor(store);
        _decisions = new LockDecisions(_candidates, _session, _status, options, clock);
    }

    /// <summary>Gets the holder this controller last reported in status ("" when nobody holds the lock).</summary>
    public string ReportedHolder => _status.ReportedHolder;

    /// <summary>Gets the fencing token last reported, or 0.</summary>
    public long ReportedFencingToken => _status.ReportedFencingToken;

    /// <summary>Gets whether the holder last reported in status is a candidate of this cluster.</summary>
    public bool ReportedHolderIsLocal => _status.ReportedHolderIsLocal;

    /// <summary>Gets the lock's <c>leaseTransitions</c> last reported in status, if any.</summary>
    public long? ReportedLeaseTransitions => _status.ReportedLeaseTransitions;

    /// <summary>Gets the global lock name of the last reconcile ("" before the first).</summary>
    public string LockName => _session.LockName ?? "";

    /// <summary>Gets whether the backend answered the last request.</summary>
    public bool BackendHealthy => _session.BackendError is null;

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
            _loop.Wake();
        }
    }

    /// <summary>Records that the object is gone from the API server and wakes the loop.</summary>
    public void OnDeleted()
    {
        lock (_gate)
        {
            _gone = true;
        }

        _loop.Wake();
    }

    /// <summary>Runs the reconcile loop until the lease is deleted or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the loop. Stopping releases nothing: the candidate may still be leading.</param>
    /// <returns>A task that completes when the loop ends.</returns>
    public Task RunAsync(CancellationToken cancellationToken) => _loop.RunAsync(ReconcileOnceAsync, cancellationToken);

    /// <summary>Runs one reconcile pass on one snapshot of the CR.</summary>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <returns>What the pass decided and how long to wait before the next one (unless woken), or a stop.</returns>
    internal async Task<ReconcilePassResult> ReconcileOnceAsync(CancellationToken cancellationToken)
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
            return Result(null, null);
        }

        if (lease.Metadata.Uid != _uid)
        {
            // A CR created again under the same name counts its generations from 1: forget the old object's.
            _uid = lease.Metadata.Uid;
            _observedGeneration = 0;
            _status.ForgetObject();
            _session.ForgetObject();
        }

        var generation = lease.Metadata.Generation ?? 0;
        var deleting = gone || lease.Metadata.DeletionTimestamp is not null;
        var hasFinalizer = FinalizerEditor.Has(lease);
        if (gone && !hasFinalizer)
        {
            // Deleted without our finalizer (removed by hand): release best-effort, then stop.
            LeaseTiming.TryFromSpec(lease.Spec, out var anyTiming, out _);
            await _session.ReleaseIfHeldAsync(() => _decisions.Decide(lease, anyTiming, deleting: true), _candidates.IsLocal, cancellationToken);
            return Result(null, null);
        }

        if (!deleting && !hasFinalizer)
        {
            await _finalizers.EnsureAsync(lease, cancellationToken);
        }

        var valid = LeaseTiming.TryFromSpec(lease.Spec, out var timing, out var specError);
        var lockName = lease.EffectiveLockName;
        if (valid && !LockNames.IsValid(lockName, out var lockNameError))
        {
            valid = false;
            specError = lockNameError;
        }

        _session.Use(lockName);
        if (!valid && !deleting)
        {
            if (_lastInvalidSpecGeneration != generation)
            {
                _lastInvalidSpecGeneration = generation;
                Log.InvalidSpec(_logger, _key, specError!);
                _events.Record(lease, "Warning", LeaseEventReasons.InvalidSpec, specError!);
            }

            await WriteStatusAsync(lease, timing, specError, cancellationToken);
            return Result(timing.RetryPeriod, null);
        }

        // 1. Decide on what we know when we hold the lock and wrote it last; otherwise read it once.
        var backendOperation = false;
        var decisionGeneration = generation;
        var decision = _session.Lock.SnapshotIsOwnWrite ? DecideOnLatest(lease, timing, deleting, out decisionGeneration) : null;
        var needRead = decision is null || (decision.Action == ElectionAction.Follow && !(_decisions.HeldForLiveLocalCandidate(timing) && generation <= _observedGeneration));
        if (needRead)
        {
            if (!await _session.ReadAsync(lease, cancellationToken))
            {
                await WriteStatusAsync(lease, timing, null, cancellationToken);
                return Result(Jitter.Add(timing.RetryPeriod, _options.JitterFactor), decision);
            }

            backendOperation = true;

            // Decide on the newest spec: a signal that arrived during the read is answered by this reconcile's write.
            decision = DecideOnLatest(lease, timing, deleting, out decisionGeneration);
        }

        // 2. Write when the decision asks for it, never faster than one write per second.
        if (decision!.Action != ElectionAction.Follow)
        {
            var outcome = await _session.WriteAsync(lease, decision, decisionGeneration, cancellationToken);
            switch (outcome.Kind)
            {
                case LockWriteOutcomeKind.Spaced:
                    return Result(outcome.RetryAfter, decision);
                case LockWriteOutcomeKind.BackendFailed:
                    await WriteStatusAsync(lease, timing, null, cancellationToken);
                    return Result(Jitter.Add(timing.RetryPeriod, _options.JitterFactor), decision);
                case LockWriteOutcomeKind.PreconditionFailed:
                    return Result(TimeSpan.Zero, decision);
            }

            // The write was made after this controller saw decisionGeneration: it confirms that signal.
            _observedGeneration = Math.Max(_observedGeneration, decisionGeneration);
            backendOperation = true;
        }

        // 3. Report. observedGeneration = G only when a backend read or write made after seeing G decided the holder. A
        // read never answers a signal of the local holder (only a write made after it does, DESIGN §5): while the CR is
        // being deleted the holder's renewals stay unanswered, so it stops leading by its renew deadline.
        if (backendOperation && !_decisions.HolderSignalOutstanding())
        {
            _observedGeneration = Math.Max(_observedGeneration, generation);
        }

        await WriteStatusAsync(lease, timing, null, cancellationToken);
        if (deleting)
        {
            var holder = _session.Holder;
            if (holder.Length == 0 || !_candidates.IsLocal(holder))
            {
                // Released, or held by another cluster (or by a candidate this controller never saw, whose lock then
                // expires on its own): removing the finalizer releases nothing.
                if (!gone && !await _finalizers.RemoveAsync(lease, cancellationToken))
                {
                    return Result(TimeSpan.FromMilliseconds(200), decision);
                }

                return Result(null, decision);
            }

            await ReportReleasePendingAsync(lease, timing, holder, cancellationToken);
        }

        return Result(_decisions.NextDelay(timing, Jitter.Add(timing.RetryPeriod, _options.JitterFactor)), decision);
    }

    private ReconcilePassResult Result(TimeSpan? next, ElectionDecision? decision) => new(next, decision, _session.BackendError);

    private Task WriteStatusAsync(Lease lease, LeaseTiming timing, string? specError, CancellationToken cancellationToken)
        => _status.WriteAsync(
            new StatusReport(lease, timing, _session.Lock.Snapshot, _session.Lock.LastChangeWallTime, _session.LockObject, _session.BackendError, _observedGeneration, specError, _releasePending),
            cancellationToken);

    /// <summary>
    /// While a deleted CR's holder may still lead: says in status and (once) in an Event how long the release waits.
    /// </summary>
    private async Task ReportReleasePendingAsync(Lease lease, LeaseTiming timing, string holder, CancellationToken cancellationToken)
    {
        var now = _clock.Now;
        var until = _decisions.ReleaseDeadline(holder, timing) ?? now;
        var seconds = Math.Max(0, (int)Math.Ceiling((until - now).TotalSeconds));
        var message = $"the MultiClusterLease is being deleted: waiting up to {seconds} s for {holder}'s lease to run out before releasing the lock (a deleted CR does not stop its candidate, which may still be leading)";
        _releasePending = message;
        if (_releasePendingReportedFor != lease.Metadata.Uid)
        {
            _releasePendingReportedFor = lease.Metadata.Uid;
            Log.ReleasePending(_logger, _key, holder, seconds);
            _events.Record(lease, "Normal", LeaseEventReasons.ReleasePending, message);
        }

        await WriteStatusAsync(lease, timing, null, cancellationToken);
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
        return _decisions.Decide(lease, timing, deleting || lease.Metadata.DeletionTimestamp is not null);
    }
}
