using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;

namespace MultiClusterLease.Tests.Protocol;

public sealed class ObservationTests
{
    private static LockSnapshot Snapshot(long generation, string holder, int leaseSeconds = 15, DateTimeOffset? renew = null)
        => new() { Generation = generation, Record = new LockRecord { HolderIdentity = holder, LeaseDurationSeconds = leaseSeconds, RenewTime = renew ?? DateTimeOffset.UnixEpoch } };

    [Fact]
    public void LockExpiresOnlyAfterItsOwnLeaseDurationWithoutObservedChange()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var observer = new LockObserver();

        Assert.True(observer.ObserveRead(Snapshot(1, "remote", leaseSeconds: 30), clock.Now, clock.WallNow));
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(observer.ObserveRead(Snapshot(1, "remote", leaseSeconds: 30), clock.Now, clock.WallNow));
        Assert.False(observer.IsExpired(clock.Now));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(observer.IsExpired(clock.Now));
    }

    [Fact]
    public void AChangeOfGenerationRestartsTheLease()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var observer = new LockObserver();
        observer.ObserveRead(Snapshot(1, "remote"), clock.Now, clock.WallNow);
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.True(observer.ObserveRead(Snapshot(2, "remote"), clock.Now, clock.WallNow));
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(observer.IsExpired(clock.Now));
        Assert.Equal(clock.Now + TimeSpan.FromSeconds(1), observer.ExpiresAt());
    }

    [Fact]
    public void TheRecordsRenewTimeFromAnotherClockIsIgnored()
    {
        // A holder whose clock is an hour behind (renewTime far in the past) is not expired while its object changes.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var clock = new MonotonicClock(time);
        var observer = new LockObserver();
        observer.ObserveRead(Snapshot(1, "remote", renew: time.GetUtcNow().AddHours(-1)), clock.Now, clock.WallNow);
        Assert.False(observer.IsExpired(clock.Now));
        time.Advance(TimeSpan.FromSeconds(10));
        observer.ObserveRead(Snapshot(2, "remote", renew: time.GetUtcNow().AddHours(-1)), clock.Now, clock.WallNow);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(observer.IsExpired(clock.Now));
    }

    [Fact]
    public void ReleasedAndAbsentLocksAreFreeAndUnreadLocksAreNot()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var observer = new LockObserver();
        Assert.False(observer.IsExpired(clock.Now));
        observer.ObserveRead(LockSnapshot.Absent, clock.Now, clock.WallNow);
        Assert.True(observer.IsExpired(clock.Now));
        observer.ObserveRead(Snapshot(3, ""), clock.Now, clock.WallNow);
        Assert.True(observer.IsExpired(clock.Now));
    }

    [Fact]
    public void OwnWritesAreKnownUntilInvalidated()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var observer = new LockObserver();
        observer.ObserveOwnWrite(new LockRecord { HolderIdentity = "a", LeaseDurationSeconds = 15 }, 42, clock.Now, clock.WallNow);
        Assert.True(observer.SnapshotIsOwnWrite);
        observer.Invalidate();
        Assert.False(observer.SnapshotIsOwnWrite);
    }

    [Fact]
    public void CandidateIsLiveWhileItsSpecChangesWithinTheLeaseDuration()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var tracker = new CandidateTracker();
        var lease = TimeSpan.FromSeconds(15);
        var renew = DateTimeOffset.UnixEpoch;

        Assert.True(tracker.Observe("a", renew, 1, clock.Now));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(tracker.Observe("a", renew, 1, clock.Now));
        Assert.True(tracker.IsLive("a", lease, clock.Now));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(tracker.IsLive("a", lease, clock.Now));

        Assert.True(tracker.Observe("a", renew.AddSeconds(2), 2, clock.Now));
        Assert.True(tracker.IsLive("a", lease, clock.Now));
        Assert.Equal(2, tracker.LastSignalGeneration("a"));
        Assert.True(tracker.IsLocal("a"));
        Assert.False(tracker.IsLocal("b"));
    }

    [Fact]
    public void AReleaseIsNotALivenessSignalAndAnotherHolderEndsTheFirstOnesSignals()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var tracker = new CandidateTracker();
        var lease = TimeSpan.FromSeconds(15);
        tracker.Observe("a", DateTimeOffset.UnixEpoch, 1, clock.Now);
        time.Advance(TimeSpan.FromSeconds(1));
        tracker.Observe("", DateTimeOffset.UnixEpoch.AddSeconds(1), 2, clock.Now);
        Assert.False(tracker.IsLive("", lease, clock.Now));
        Assert.Equal(1, tracker.LastSignalGeneration("a"));
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(tracker.IsLive("a", lease, clock.Now));
    }

    [Fact]
    public void AnEmptySpecIsTheReleaseOfTheHolderOfTheVersionRightBeforeIt()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var tracker = new CandidateTracker();
        var at = DateTimeOffset.UnixEpoch;

        tracker.Observe("a", at, 1, clock.Now);
        tracker.Observe("", at.AddSeconds(1), 2, clock.Now);
        Assert.Equal("a", tracker.ReleasedBy);

        // The deletion's generation bump keeps it; the holder asking again ends it.
        tracker.Observe("", at.AddSeconds(1), 3, clock.Now);
        Assert.Equal("a", tracker.ReleasedBy);
        tracker.Observe("a", at.AddSeconds(2), 4, clock.Now);
        Assert.Null(tracker.ReleasedBy);
    }

    [Fact]
    public void AFollowersReleaseIsNotTheHolders()
    {
        // a holds the lock; follower b signals, then shuts down and releases: a may still be leading.
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var tracker = new CandidateTracker();
        var at = DateTimeOffset.UnixEpoch;
        tracker.Observe("a", at, 1, clock.Now);
        tracker.Observe("b", at.AddSeconds(1), 2, clock.Now);
        tracker.Observe("", at.AddSeconds(2), 3, clock.Now);
        Assert.Equal("b", tracker.ReleasedBy);
        Assert.NotEqual("a", tracker.ReleasedBy);
    }

    [Fact]
    public void MissedSpecWritesMakeTheReleaserUnknownAndCountAsSignalsOfEveryKnownCandidate()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        var tracker = new CandidateTracker();
        var lease = TimeSpan.FromSeconds(15);
        var at = DateTimeOffset.UnixEpoch;
        tracker.Observe("a", at, 1, clock.Now);
        tracker.Observe("b", at.AddSeconds(1), 2, clock.Now);
        time.Advance(TimeSpan.FromSeconds(10));

        // Generations 3 and 4 were missed (a re-listed watch): a may have signalled and been answered in them.
        tracker.Observe("", at.AddSeconds(5), 5, clock.Now);
        Assert.Null(tracker.ReleasedBy);
        Assert.Equal(4, tracker.LastSignalGeneration("a"));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(tracker.IsLive("a", lease, clock.Now));

        // The first observation after start names nobody as releaser either.
        var fresh = new CandidateTracker();
        fresh.Observe("", at, 7, clock.Now);
        Assert.Null(fresh.ReleasedBy);
    }
}
