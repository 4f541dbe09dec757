using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Election.Reconciliation.Pipeline;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

public sealed class LeaseStatusWriterTests
{
    private static readonly LeaseTiming Timing = new(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryLeaseStore _store = new();
    private readonly RecordingEventSink _events = new();
    private readonly CandidateTracker _candidates = new();

    [Fact]
    public async Task Nothing_new_is_not_written_and_the_renew_time_alone_waits_a_third_of_the_lease_duration()
    {
        var writer = NewWriter();
        var lease = Lease(holder: "x");
        var snapshot = Held("x");

        Assert.True(await writer.WriteAsync(Report(lease, snapshot, _time.GetUtcNow()), CancellationToken.None));
        Assert.False(await writer.WriteAsync(Report(lease, snapshot, _time.GetUtcNow()), CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(await writer.WriteAsync(Report(lease, snapshot, _time.GetUtcNow()), CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await writer.WriteAsync(Report(lease, snapshot, _time.GetUtcNow()), CancellationToken.None));
        Assert.Equal(2, _store.StatusPatches.Count);
        Assert.Equal("x", writer.ReportedHolder);
        Assert.Equal(7, writer.ReportedFencingToken);
    }

    [Fact]
    public async Task A_change_other_than_the_renew_time_is_written_at_once()
    {
        var writer = NewWriter();
        var lease = Lease(holder: "x");
        await writer.WriteAsync(Report(lease, Held("x"), _time.GetUtcNow()), CancellationToken.None);

        Assert.True(await writer.WriteAsync(Report(lease, Held("x"), _time.GetUtcNow()) with { BackendError = "down" }, CancellationToken.None));

        var conditions = _store.StatusPatches[^1]["status"]!["conditions"]!.AsArray();
        Assert.Contains(conditions, c => (string?)c!["type"] == ConditionTypes.BackendHealthy && (string?)c["status"] == "False" && (string?)c["reason"] == "BackendError");
    }

    [Fact]
    public async Task The_release_pending_condition_is_reported_only_while_the_cr_is_being_deleted()
    {
        var writer = NewWriter();
        var live = Lease(holder: "x");
        await writer.WriteAsync(Report(live, Held("x"), _time.GetUtcNow()) with { ReleasePending = "waiting up to 9 s" }, CancellationToken.None);
        Assert.DoesNotContain(_store.StatusPatches[^1]["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == LeaseReconciler.ReleasePendingCondition);

        var deleting = Lease(holder: "x");
        deleting.Metadata.DeletionTimestamp = _time.GetUtcNow().UtcDateTime;
        await writer.WriteAsync(Report(deleting, Held("x"), _time.GetUtcNow()) with { ReleasePending = "waiting up to 9 s" }, CancellationToken.None);
        Assert.Contains(_store.StatusPatches[^1]["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == LeaseReconciler.ReleasePendingCondition && (string?)c["message"] == "waiting up to 9 s");
    }

    [Fact]
    public async Task A_local_holder_replaced_by_another_cluster_records_the_lost_event()
    {
        _candidates.Observe("x", _time.GetUtcNow(), 1, TimeSpan.Zero);
        var writer = NewWriter();
        await writer.WriteAsync(Report(Lease(holder: "x"), Held("x"), _time.GetUtcNow()), CancellationToken.None);
        Assert.True(writer.ReportedHolderIsLocal);

        await writer.WriteAsync(Report(Lease(holder: "x"), Held("remote"), _time.GetUtcNow()), CancellationToken.None);

        Assert.Equal(new[] { LeaseEventReasons.Lost }, _events.Events.Select(e => e.Reason));
        Assert.False(writer.ReportedHolderIsLocal);
    }

    private LeaseStatusWriter NewWriter() => new(_store, _events, _candidates, new MonotonicClock(_time));

    private static V1Alpha1MultiClusterLease Lease(string holder)
        => new() { Metadata = new() { Name = "a", NamespaceProperty = "ns", Generation = 1, Uid = "u1" }, Spec = new() { HolderIdentity = holder } };

    private static LockSnapshot Held(string holder)
        => new() { Generation = 3, Record = new LockRecord { HolderIdentity = holder, LeaseDurationSeconds = 15, Epoch = 7 } };

    private static StatusReport Report(V1Alpha1MultiClusterLease lease, LockSnapshot snapshot, DateTimeOffset changedAt)
        => new(lease, Timing, snapshot, changedAt, "mem://lock", BackendError: null, ObservedGeneration: 1);
}
