using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultiClusterLease.Election.Reconciliation;

/// <summary>
/// Metrics of the election controller, meter <see cref="MeterName"/>. Per lease (tags <c>lease</c> = <c>namespace/name</c>
/// and <c>lock</c> = the global lock name), read from what the controller last reported in status:
/// <list type="bullet">
/// <item><c>multiclusterlease_leader_status{lease,lock,holder}</c>: 1 when a candidate of this cluster holds the global lock,
/// else 0 (like client-go's <c>leader_election_master_status</c>); <c>holder</c> is the global holder ("" when nobody).</item>
/// <item><c>multiclusterlease_fencing_token{lease,lock}</c>: the lock's epoch.</item>
/// <item><c>multiclusterlease_lease_transitions_total{lease,lock}</c>: the lock's <c>leaseTransitions</c>.</item>
/// </list>
/// and <c>multiclusterlease_reconcile_duration_seconds{result}</c>, <c>multiclusterlease_reconcile_errors_total{lease,reason}</c>
/// (<c>reason</c>: <c>backend</c>, <c>kubernetes_api</c>, <c>exception</c>), <c>multiclusterlease_watch_restarts_total{resource}</c>.
/// </summary>
public sealed class ElectionMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "MultiClusterLease.Election";

    /// <summary>The bucket boundaries of the reconcile duration histogram, in seconds.</summary>
    public static readonly IReadOnlyList<double> ReconcileDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Histogram<double> _reconcileDuration;
    private readonly Counter<long> _reconcileErrors;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="meterFactory">Creates the meter.</param>
    /// <param name="leases">Reads the state of every tracked lease; called on each collection.</param>
    /// <param name="watchRestarts">Reads how many times the <c>MultiClusterLease</c> watch restarted since start.</param>
    public ElectionMetrics(IMeterFactory meterFactory, Func<IReadOnlyList<LeaseMetricsState>> leases, Func<long> watchRestarts)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(watchRestarts);
        var meter = meterFactory.Create(MeterName);
        _reconcileDuration = meter.CreateHistogram(
            "multiclusterlease_reconcile_duration_seconds",
            unit: "s",
            description: "Duration of one reconcile of one MultiClusterLease, by result (success, error).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ReconcileDurationBuckets });
        _reconcileErrors = meter.CreateCounter<long>(
            "multiclusterlease_reconcile_errors_total",
            unit: "{error}",
            description: "Reconciles that failed, by lease and reason (backend: the lock backend failed; kubernetes_api: the API server refused; exception: anything else).");
        meter.CreateObservableGauge(
            "multiclusterlease_leader_status",
            () => leases().Select(l => new Measurement<long>(l.HolderIsLocal ? 1 : 0, Tags(l, ("holder", l.Holder)))),
            unit: "{status}",
            description: "1 when a candidate of this cluster holds the global lock of the lease, else 0; holder is the global holder (\"\" when nobody).");
        meter.CreateObservableGauge(
            "multiclusterlease_fencing_token",
            () => leases().Where(l => l.FencingToken > 0).Select(l => new Measurement<long>(l.FencingToken, Tags(l))),
            unit: "{token}",
            description: "The fencing token (epoch) of the global lock, as last reported in status.");
        meter.CreateObservableCounter(
            "multiclusterlease_lease_transitions_total",
            () => leases().Where(l => l.LeaseTransitions is not null).Select(l => new Measurement<long>(l.LeaseTransitions!.Value, Tags(l))),
            unit: "{transition}",
            description: "Changes of holder of the global lock (its leaseTransitions), as last reported in status.");
        meter.CreateObservableCounter(
            "multiclusterlease_watch_restarts_total",
            () => new Measurement<long>(watchRestarts(), new KeyValuePair<string, object?>("resource", "multiclusterleases")),
            unit: "{restart}",
            description: "Times the watch on MultiClusterLeases ended (server timeout, failure or 410 Gone) and was reopened.");
    }

    /// <summary>Records one reconcile.</summary>
    /// <param name="lease">The lease key.</param>
    /// <param name="elapsed">How long it took.</param>
    /// <param name="errorReason"><see langword="null"/> on success; otherwise the reason, counted in <c>multiclusterlease_reconcile_errors_total</c>.</param>
    public void RecordReconcile(string lease, TimeSpan elapsed, string? errorReason)
    {
        _reconcileDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("result", errorReason is null ? "success" : "error"));
        if (errorReason is not null)
        {
            RecordError(lease, errorReason);
        }
    }

    /// <summary>Counts a reconcile error that the reconcile handled itself (e.g. the backend failed).</summary>
    /// <param name="lease">The lease key.</param>
    /// <param name="reason">The reason.</param>
    public void RecordError(string lease, string reason)
        => _reconcileErrors.Add(1, new TagList { { "lease", lease }, { "reason", reason } });

    private static TagList Tags(LeaseMetricsState state, params (string Key, string Value)[] extra)
    {
        var tags = new TagList { { "lease", state.Lease }, { "lock", state.LockName } };
        foreach (var (key, value) in extra)
        {
            tags.Add(key, value);
        }

        return tags;
    }
}

/// <summary>What the metrics read of one lease.</summary>
/// <param name="Lease">The <c>namespace/name</c> key.</param>
/// <param name="LockName">The global lock name ("" before the first reconcile).</param>
/// <param name="Holder">The global holder last reported ("" when nobody).</param>
/// <param name="HolderIsLocal">Whether that holder is a candidate of this cluster.</param>
/// <param name="FencingToken">The fencing token last reported, or 0.</param>
/// <param name="LeaseTransitions">The lock's <c>leaseTransitions</c> last reported, if any.</param>
public sealed record LeaseMetricsState(string Lease, string LockName, string Holder, bool HolderIsLocal, long FencingToken, long? LeaseTransitions);
