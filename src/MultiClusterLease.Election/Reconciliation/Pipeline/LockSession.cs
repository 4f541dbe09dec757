using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>
/// This controller's conversation with one global lock (DESIGN §3): reads, writes under a generation precondition,
/// at most one write per <see cref="ElectionOptions.MinWriteInterval"/> (spaced from the last commit), the backend's
/// health, and which spec generation the last write answered.
/// </summary>
internal sealed class LockSession
{
    private readonly string _key;
    private readonly ILockBackend _backend;
    private readonly ILeaseEventSink _events;
    private readonly ElectionOptions _options;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The lease's key, for logs.</param>
    /// <param name="backend">The global lock backend.</param>
    /// <param name="events">Where the Acquired, Released, BackendUnavailable and LockObjectCorrupt events go.</param>
    /// <param name="options">The controller options (write spacing).</param>
    /// <param name="clock">This process's monotonic clock.</param>
    /// <param name="logger">The logger.</param>
    public LockSession(string key, ILockBackend backend, ILeaseEventSink events, ElectionOptions options, MonotonicClock clock, ILogger logger)
    {
        _key = key;
        _backend = backend;
        _events = events;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Gets the lock's name, or <see langword="null"/> before the first pass with a valid spec.</summary>
    public string? LockName { get; private set; }

    /// <summary>Gets what this controller knows of the lock.</summary>
    public LockObserver Lock { get; private set; } = new();

    /// <summary>Gets the backend's last error, or <see langword="null"/> when it answered.</summary>
    public string? BackendError { get; private set; }

    /// <summary>Gets the spec generation the last committed write was decided on (a write answers the signals up to it).</summary>
    public long AnsweredSpecGeneration { get; private set; }

    /// <summary>Gets where the lock lives, or <see langword="null"/> before the lock name is known.</summary>
    public string? LockObject => LockName is null ? null : _backend.Describe(LockName);

    /// <summary>Gets the holder of the lock as last seen ("" when none or unknown).</summary>
    public string Holder => Lock.Snapshot?.Record?.HolderIdentity ?? "";

    /// <summary>Switches to <paramref name="lockName"/>; a new name starts with nothing known.</summary>
    /// <param name="lockName">The spec's effective lock name.</param>
    public void Use(string lockName)
    {
        if (LockName == lockName)
        {
            return;
        }

        if (LockName is not null)
        {
            LeaseReconciler.Log.LockNameChanged(_logger, _key, LockName, lockName);
        }

        LockName = lockName;
        Lock = new LockObserver();
        AnsweredSpecGeneration = 0;
    }

    /// <summary>Forgets the answered generation of a previous object of the same name.</summary>
    public void ForgetObject() => AnsweredSpecGeneration = 0;

    /// <summary>Reads the lock.</summary>
    /// <param name="lease">The CR (for events).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether the backend answered.</returns>
    public async Task<bool> ReadAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await _backend.ReadAsync(LockName!, cancellationToken);
            Lock.ObserveRead(snapshot, _clock.Now, _clock.WallNow);
            SetHealthy(lease, snapshot);
            return true;
        }
        catch (LockBackendException ex)
        {
            SetError(lease, ex.Message);
            return false;
        }
    }

    /// <summary>Writes <paramref name="decision"/>'s record if the lock is still at the generation last seen.</summary>
    /// <param name="lease">The CR (for events).</param>
    /// <param name="decision">A decision with a record.</param>
    /// <param name="decisionGeneration">The spec generation the decision was made on.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What happened.</returns>
    public async Task<LockWriteOutcome> WriteAsync(Lease lease, ElectionDecision decision, long decisionGeneration, CancellationToken cancellationToken)
    {
        // Another writer's change is not waited for here: this controller sees it up to a poll period after its
        // commit, so waiting a second from the observation costs more than the rare 429 (retried by the backend).
        var now = _clock.Now;
        if (Lock.LastWriteAttemptAt is { } last && now - last < _options.MinWriteInterval)
        {
            return new LockWriteOutcome(LockWriteOutcomeKind.Spaced, last + _options.MinWriteInterval - now);
        }

        var expected = Lock.Snapshot!.Generation;
        Lock.ObserveWriteAttempt(now);
        LockWriteResult result;
        try
        {
            result = await _backend.WriteAsync(LockName!, decision.Record!, expected, cancellationToken);
        }
        catch (LockBackendException ex)
        {
            Lock.Invalidate();
            SetError(lease, ex.Message);
            return LockWriteOutcome.BackendFailed;
        }

        if (result.Status == LockWriteStatus.PreconditionFailed)
        {
            LeaseReconciler.Log.PreconditionFailed(_logger, _key, decision.Action, expected);
            Lock.Invalidate();
            return LockWriteOutcome.PreconditionFailed;
        }

        Lock.ObserveOwnWrite(decision.Record!, result.Generation, _clock.Now, _clock.WallNow);

        // Space writes from the moment this one committed: GCS counts its one-write-per-second from commits.
        Lock.ObserveWriteAttempt(_clock.Now);
        AnsweredSpecGeneration = decisionGeneration;
        SetHealthy(lease, Lock.Snapshot!);
        if (decision.Action == ElectionAction.Renew)
        {
            LeaseReconciler.Log.Renewed(_logger, _key, decision.Record!.HolderIdentity, result.Generation);
        }
        else
        {
            LeaseReconciler.Log.Wrote(_logger, _key, decision.Action, decision.Record!.HolderIdentity, decision.Record.Epoch, result.Generation, decision.Reason);
        }

        RecordWriteEvent(lease, decision);
        return LockWriteOutcome.Committed;
    }

    /// <summary>
    /// Releases the lock of a CR that vanished without the finalizer, best-effort (up to 3 attempts): only on a Release
    /// decision, otherwise the lock expires on its own.
    /// </summary>
    /// <param name="decide">Decides on the lock as now known (a deleting CR).</param>
    /// <param name="isLocal">Whether a holder is a local candidate (for the log).</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>A task that completes when done.</returns>
    public async Task ReleaseIfHeldAsync(Func<ElectionDecision> decide, Func<string, bool> isLocal, CancellationToken cancellationToken)
    {
        if (LockName is null)
        {
            return;
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (!Lock.SnapshotIsOwnWrite)
                {
                    Lock.ObserveRead(await _backend.ReadAsync(LockName, cancellationToken), _clock.Now, _clock.WallNow);
                }

                // Only when no local candidate can still lead; otherwise the lock expires on its own (as when the
                // controller stops), and other clusters take it once it has gone unchanged for its lease duration.
                var decision = decide();
                if (decision.Action != ElectionAction.Release)
                {
                    if (Holder is { Length: > 0 } holder && isLocal(holder))
                    {
                        LeaseReconciler.Log.LeftToExpire(_logger, _key, holder);
                    }

                    return;
                }

                var result = await _backend.WriteAsync(LockName, decision.Record!, Lock.Snapshot!.Generation, cancellationToken);
                if (result.Status == LockWriteStatus.Committed)
                {
                    LeaseReconciler.Log.Wrote(_logger, _key, decision.Action, "", decision.Record!.Epoch, result.Generation, decision.Reason);
                    return;
                }

                Lock.Invalidate();
            }
            catch (LockBackendException ex)
            {
                LeaseReconciler.Log.ReleaseFailed(_logger, _key, ex);
                return;
            }
        }
    }

    private void SetHealthy(Lease lease, LockSnapshot snapshot)
    {
        var error = snapshot.IsCorrupt ? $"the lock object is not a valid lock record and will not be overwritten: {snapshot.CorruptionError}" : null;
        if (error is not null && BackendError != error)
        {
            LeaseReconciler.Log.LockCorrupt(_logger, _key, snapshot.CorruptionError!);
            _events.Record(lease, "Warning", LeaseEventReasons.LockObjectCorrupt, error);
        }

        BackendError = error;
    }

    private void SetError(Lease lease, string message)
    {
        if (BackendError != message)
        {
            LeaseReconciler.Log.BackendFailed(_logger, _key, message);
            if (BackendError is null)
            {
                _events.Record(lease, "Warning", LeaseEventReasons.BackendUnavailable, message);
            }
        }

        BackendError = message;
    }

    private void RecordWriteEvent(Lease lease, ElectionDecision decision)
    {
        var where = _backend.Describe(LockName!);
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
}
