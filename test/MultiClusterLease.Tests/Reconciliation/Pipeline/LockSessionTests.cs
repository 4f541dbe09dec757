using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Election.Reconciliation.Pipeline;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

public sealed class LockSessionTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedLockBackend _backend = new();
    private readonly RecordingEventSink _events = new();
    private readonly V1Alpha1MultiClusterLease _lease = new() { Metadata = new() { Name = "a", NamespaceProperty = "ns", Generation = 1 } };

    [Fact]
    public async Task Writes_are_spaced_by_the_minimum_interval_from_the_last_commit()
    {
        var session = NewSession();
        Assert.True(await session.ReadAsync(_lease, CancellationToken.None));
        Assert.Equal(LockWriteOutcomeKind.Committed, (await session.WriteAsync(_lease, Decision(ElectionAction.Create, "x"), 3, CancellationToken.None)).Kind);
        Assert.Equal(3, session.AnsweredSpecGeneration);

        _time.Advance(TimeSpan.FromMilliseconds(400));
        var spaced = await session.WriteAsync(_lease, Decision(ElectionAction.Renew, "x"), 4, CancellationToken.None);
        Assert.Equal(LockWriteOutcomeKind.Spaced, spaced.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(600), spaced.RetryAfter);
        Assert.Equal(1, _backend.Writes);

        _time.Advance(spaced.RetryAfter);
        Assert.Equal(LockWriteOutcomeKind.Committed, (await session.WriteAsync(_lease, Decision(ElectionAction.Renew, "x"), 4, CancellationToken.None)).Kind);
        Assert.Equal(2, _backend.Writes);
        Assert.Equal(new[] { LeaseEventReasons.Acquired }, _events.Events.Select(e => e.Reason));
    }

    [Fact]
    public async Task A_lost_race_invalidates_the_snapshot_and_answers_nothing()
    {
        var session = NewSession();
        Assert.True(await session.ReadAsync(_lease, CancellationToken.None));
        _backend.WriteElsewhere(new LockRecord { HolderIdentity = "other", LeaseDurationSeconds = 15, Epoch = 1 });

        var outcome = await session.WriteAsync(_lease, Decision(ElectionAction.Create, "x"), 2, CancellationToken.None);

        Assert.Equal(LockWriteOutcomeKind.PreconditionFailed, outcome.Kind);
        Assert.False(session.Lock.SnapshotIsOwnWrite);
        Assert.Equal(0, session.AnsweredSpecGeneration);
        Assert.Empty(_events.Events);
    }

    [Fact]
    public async Task A_failing_backend_is_reported_once_until_it_answers_again()
    {
        var session = NewSession();
        _backend.FailWith = "unavailable";
        Assert.False(await session.ReadAsync(_lease, CancellationToken.None));
        Assert.False(await session.ReadAsync(_lease, CancellationToken.None));
        Assert.Equal("unavailable", session.BackendError);
        Assert.Equal(new[] { LeaseEventReasons.BackendUnavailable }, _events.Events.Select(e => e.Reason));

        _backend.FailWith = null;
        Assert.True(await session.ReadAsync(_lease, CancellationToken.None));
        Assert.Null(session.BackendError);
    }

    [Fact]
    public async Task A_new_lock_name_starts_with_nothing_known()
    {
        var session = NewSession();
        Assert.True(await session.ReadAsync(_lease, CancellationToken.None));
        await session.WriteAsync(_lease, Decision(ElectionAction.Create, "x"), 5, CancellationToken.None);

        session.Use("other-lock");

        Assert.Null(session.Lock.Snapshot);
        Assert.Equal(0, session.AnsweredSpecGeneration);
        Assert.Equal("mem://other-lock", session.LockObject);
    }

    private LockSession NewSession()
    {
        var session = new LockSession("ns/a", _backend, _events, new ElectionOptions(), new MonotonicClock(_time), NullLogger.Instance);
        session.Use("lock");
        return session;
    }

    private ElectionDecision Decision(ElectionAction action, string holder)
        => new(action, new LockRecord { HolderIdentity = holder, LeaseDurationSeconds = 15, RenewTime = _time.GetUtcNow(), Epoch = 1, Nonce = Guid.NewGuid().ToString("N") }, "test");
}
