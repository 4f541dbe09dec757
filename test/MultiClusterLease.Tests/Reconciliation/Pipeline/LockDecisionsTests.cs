using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Election.Reconciliation.Pipeline;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

public sealed class LockDecisionsTests
{
    private static readonly LeaseTiming Timing = new(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

    private readonly FakeTimeProvider _time = new();
    private readonly CandidateTracker _candidates = new();
    private readonly V1Alpha1MultiClusterLease _lease = new() { Metadata = new() { Name = "a", NamespaceProperty = "ns", Generation = 1 } };
    private readonly LockSession _session;
    private readonly LockDecisions _decisions;

    public LockDecisionsTests()
    {
        var clock = new MonotonicClock(_time);
        var events = new RecordingEventSink();
        _session = new LockSession("ns/a", new ScriptedLockBackend(), events, new ElectionOptions(), clock, NullLogger.Instance);
        _session.Use("lock");
        _decisions = new LockDecisions(_candidates, _session, new LeaseStatusWriter(new InMemoryLeaseStore(), events, _candidates, clock), new ElectionOptions(), clock);
    }

    [Fact]
    public async Task The_next_pass_comes_no_later_than_just_after_a_local_holders_release_deadline()
    {
        _candidates.Observe("x", _time.GetUtcNow(), 1, TimeSpan.Zero);
        await HoldAsync("x", generation: 1);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(10), _decisions.NextDelay(Timing, TimeSpan.FromSeconds(20)));
        Assert.Equal(TimeSpan.FromSeconds(2), _decisions.NextDelay(Timing, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_remote_holder_does_not_shorten_the_next_delay()
    {
        await HoldAsync("remote", generation: 1);

        Assert.Equal(TimeSpan.FromSeconds(20), _decisions.NextDelay(Timing, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_local_holders_signal_is_outstanding_until_a_write_decided_on_it()
    {
        _candidates.Observe("x", _time.GetUtcNow(), 1, TimeSpan.Zero);
        await HoldAsync("x", generation: 1);
        Assert.False(_decisions.HolderSignalOutstanding());

        _time.Advance(TimeSpan.FromSeconds(2));
        _candidates.Observe("x", _time.GetUtcNow(), 2, _time.GetUtcNow() - _time.Start);
        Assert.True(_decisions.HolderSignalOutstanding());

        await HoldAsync("x", generation: 2);
        Assert.False(_decisions.HolderSignalOutstanding());
    }

    private async Task HoldAsync(string holder, long generation)
    {
        Assert.True(await _session.ReadAsync(_lease, CancellationToken.None));
        var record = new LockRecord { HolderIdentity = holder, LeaseDurationSeconds = 15, RenewTime = _time.GetUtcNow(), Epoch = 1, Nonce = Guid.NewGuid().ToString("N") };
        var outcome = await _session.WriteAsync(_lease, new ElectionDecision(ElectionAction.Create, record, "test"), generation, CancellationToken.None);
        Assert.Equal(LockWriteOutcomeKind.Committed, outcome.Kind);
    }
}
