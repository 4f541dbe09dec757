using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Election.Reconciliation.Pipeline;

/// <summary>
/// Writes what a pass learned into the CR's status: at once when anything but <c>globalRenewTime</c> changed, and
/// <c>globalRenewTime</c> alone at most every lease duration / 3. Remembers what it last reported (the holder, the
/// fencing token, the answered generation) and records the Lost event when a local holder loses the lock.
/// </summary>
internal sealed class LeaseStatusWriter
{
    private static readonly string[] NullableFields = ["globalAcquireTime", "globalRenewTime", "fencingToken", "globalLeaseDurationSeconds", "globalLeaseTransitions"];

    private readonly IMultiClusterLeaseStore _store;
    private readonly ILeaseEventSink _events;
    private readonly CandidateTracker _candidates;
    private readonly MonotonicClock _clock;
    private readonly Dictionary<string, (string Status, DateTimeOffset At)> _conditionTransitions = new(StringComparer.Ordinal);
    private string? _lastKey;
    private DateTimeOffset? _lastRenewTime;
    private TimeSpan _lastWriteAt;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The MultiClusterLease objects of this cluster.</param>
    /// <param name="events">Where the Lost event goes.</param>
    /// <param name="candidates">Which holders are local candidates.</param>
    /// <param name="clock">This process's monotonic clock.</param>
    public LeaseStatusWriter(IMultiClusterLeaseStore store, ILeaseEventSink events, CandidateTracker candidates, MonotonicClock clock)
    {
        _store = store;
        _events = events;
        _candidates = candidates;
        _clock = clock;
    }

    /// <summary>Gets the holder last reported ("" when nobody holds the lock).</summary>
    public string ReportedHolder { get; private set; } = "";

    /// <summary>Gets the fencing token last reported, or 0.</summary>
    public long ReportedFencingToken { get; private set; }

    /// <summary>Gets whether the holder last reported is a local candidate.</summary>
    public bool ReportedHolderIsLocal { get; private set; }

    /// <summary>Gets the lock's <c>leaseTransitions</c> last reported, if any.</summary>
    public long? ReportedLeaseTransitions { get; private set; }

    /// <summary>Gets the highest <c>observedGeneration</c> this writer reported for the current object.</summary>
    public long ReportedObservedGeneration { get; private set; }

    /// <summary>Forgets what was written for a previous object of the same name (a CR created again counts from generation 1).</summary>
    public void ForgetObject()
    {
        ReportedObservedGeneration = 0;
        _lastKey = null;
    }

    /// <summary>Writes <paramref name="report"/> into status unless it says nothing new.</summary>
    /// <param name="report">What the pass knows.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Whether a patch was sent.</returns>
    public async Task<bool> WriteAsync(StatusReport report, CancellationToken cancellationToken)
    {
        var lease = report.Lease;
        var status = Build(report);
        var key = KeyOf(status);
        var now = _clock.Now;
        var renewAdvanced = status.GlobalRenewTime != _lastRenewTime;
        var refreshDue = now - _lastWriteAt >= report.Timing.LeaseDuration / 3;
        if (key == _lastKey && (!renewAdvanced || !refreshDue))
        {
            return false;
        }

        var patch = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
        var statusNode = patch["status"]!.AsObject();
        foreach (var field in NullableFields)
        {
            statusNode.TryAdd(field, null);
        }

        await _store.PatchStatusAsync(lease.Metadata.NamespaceProperty, lease.Metadata.Name, patch.ToJsonString(), cancellationToken);
        _lastKey = key;
        ReportedObservedGeneration = Math.Max(ReportedObservedGeneration, status.ObservedGeneration ?? 0);
        _lastRenewTime = status.GlobalRenewTime;
        _lastWriteAt = now;

        var holder = status.GlobalHolderIdentity ?? "";
        if (holder != ReportedHolder)
        {
            if (_candidates.IsLocal(ReportedHolder) && holder.Length > 0 && !_candidates.IsLocal(holder))
            {
                _events.Record(lease, "Normal", LeaseEventReasons.Lost, $"{ReportedHolder} lost the lock to {holder}");
            }

            ReportedHolder = holder;
        }

        ReportedFencingToken = status.FencingToken ?? 0;
        ReportedLeaseTransitions = status.GlobalLeaseTransitions;
        ReportedHolderIsLocal = _candidates.IsLocal(holder);
        return true;
    }

    private V1Alpha1MultiClusterLeaseStatus Build(StatusReport report)
    {
        var lease = report.Lease;
        var record = report.Lock?.Record;
        var holder = record?.HolderIdentity ?? "";
        var specHolder = lease.Spec?.HolderIdentity ?? "";
        var wall = _clock.WallNow.UtcDateTime;
        var conditions = new List<V1Condition>
        {
            report.SpecError is null
                ? Condition(lease, wall, ConditionTypes.SpecValid, true, "Valid", "the spec is valid")
                : Condition(lease, wall, ConditionTypes.SpecValid, false, "InvalidSpec", report.SpecError),
            report.BackendError is null
                ? Condition(lease, wall, ConditionTypes.BackendHealthy, true, "BackendReachable", $"{report.LockObject ?? "the backend"} answered")
                : Condition(lease, wall, ConditionTypes.BackendHealthy, false, report.Lock?.IsCorrupt == true ? "LockObjectCorrupt" : "BackendError", report.BackendError),
            holder.Length > 0 && holder == specHolder
                ? Condition(lease, wall, ConditionTypes.LockAcquiredInBackend, true, "LockHeld", $"{holder} holds the global lock")
                : Condition(lease, wall, ConditionTypes.LockAcquiredInBackend, false, holder.Length == 0 ? "NotHeld" : "HeldByOther", holder.Length == 0 ? "nobody holds the global lock" : $"{holder} holds the global lock"),
        };

        if (lease.Metadata.DeletionTimestamp is not null && report.ReleasePending is not null)
        {
            conditions.Add(Condition(lease, wall, LeaseReconciler.ReleasePendingCondition, true, "HolderMayStillLead", report.ReleasePending));
        }

        return new V1Alpha1MultiClusterLeaseStatus
        {
            ObservedGeneration = report.ObservedGeneration == 0 ? lease.Status?.ObservedGeneration : report.ObservedGeneration,
            GlobalHolderIdentity = holder,
            GlobalRenewTime = record is null ? null : report.LockChangedAt,
            GlobalLeaseDurationSeconds = record?.LeaseDurationSeconds,
            GlobalLeaseTransitions = record?.LeaseTransitions,
            GlobalAcquireTime = record?.AcquireTime,
            FencingToken = record?.Epoch,
            LockObject = report.LockObject,
            Conditions = conditions,
        };
    }

    /// <summary>A condition whose lastTransitionTime moves (to the whole second) only when its status changes.</summary>
    private V1Condition Condition(Lease lease, DateTime wall, string type, bool value, string reason, string message)
    {
        var status = value ? ConditionStatus.True : ConditionStatus.False;
        if (!_conditionTransitions.TryGetValue(type, out var known))
        {
            var old = (lease.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == type);
            known = old is null ? ("", default) : (old.Status, new DateTimeOffset(DateTime.SpecifyKind(old.LastTransitionTime, DateTimeKind.Utc)));
        }

        if (known.Status != status)
        {
            known = (status, new DateTimeOffset(wall.AddTicks(-(wall.Ticks % TimeSpan.TicksPerSecond)), TimeSpan.Zero));
        }

        _conditionTransitions[type] = known;
        return new V1Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = lease.Metadata.Generation ?? 0,
            LastTransitionTime = known.At.UtcDateTime,
        };
    }

    /// <summary>The status without <c>globalRenewTime</c>, which is refreshed on its own schedule.</summary>
    private static string KeyOf(V1Alpha1MultiClusterLeaseStatus status)
    {
        var renewTime = status.GlobalRenewTime;
        status.GlobalRenewTime = null;
        var key = KubernetesJson.Serialize(status);
        status.GlobalRenewTime = renewTime;
        return key;
    }
}
