using MultiClusterLease.Election.Backend;
using MultiClusterLease.Election.Protocol;

namespace MultiClusterLease.Tests.Protocol;

public sealed class ElectionDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static LockSnapshot Held(string holder, long epoch = 3, int transitions = 2, long generation = 100)
        => new() { Generation = generation, Record = new LockRecord { HolderIdentity = holder, Epoch = epoch, LeaseTransitions = transitions, LeaseDurationSeconds = 15, RenewTime = Now.AddSeconds(-1), AcquireTime = Now.AddMinutes(-1), Nonce = "old" } };

    private static ElectionInput Input(LockSnapshot snapshot, string specHolder = "a", bool specLive = true, bool expired = false, bool holderLocal = false, bool holderLive = false, bool signalled = false, bool deleting = false, bool awaiting = true, bool released = false)
        => new()
        {
            SpecHolder = specHolder,
            SpecHolderLive = specLive,
            SpecHolderAwaitingAnswer = awaiting,
            Lock = snapshot,
            LockExpired = expired,
            LockHolderIsLocal = holderLocal,
            LockHolderLive = holderLive,
            LockHolderSignalledSinceLastWrite = signalled,
            LockHolderReleased = released,
            Deleting = deleting,
            LeaseDurationSeconds = 20,
            WallNow = Now,
            Nonce = "n1",
        };

    public static TheoryData<string, ElectionInput, ElectionAction> Cases() => new()
    {
        { "absent, live candidate → create", Input(LockSnapshot.Absent), ElectionAction.Create },
        { "absent, stale candidate → follow", Input(LockSnapshot.Absent, specLive: false), ElectionAction.Follow },
        { "absent, released spec → follow", Input(LockSnapshot.Absent, specHolder: ""), ElectionAction.Follow },
        { "absent, deleting → follow", Input(LockSnapshot.Absent, deleting: true), ElectionAction.Follow },
        { "held by our live candidate who signalled → renew", Input(Held("a"), holderLocal: true, holderLive: true, signalled: true), ElectionAction.Renew },
        { "held by our live candidate, no new signal → follow", Input(Held("a"), holderLocal: true, holderLive: true), ElectionAction.Follow },
        { "held by our stale candidate → release", Input(Held("a"), specLive: false, holderLocal: true), ElectionAction.Release },
        { "held by ours, the holder released → release", Input(Held("a"), specHolder: "", holderLocal: true, holderLive: true, released: true), ElectionAction.Release },
        { "held by ours and live, \"\" written by another local candidate → follow (the holder may still lead)", Input(Held("a"), specHolder: "", holderLocal: true, holderLive: true), ElectionAction.Follow },
        { "held by ours and live who signalled, \"\" written by another local candidate → renew for the holder", Input(Held("a"), specHolder: "", holderLocal: true, holderLive: true, signalled: true), ElectionAction.Renew },
        { "held by ours and stale, \"\" written by another local candidate → release", Input(Held("a"), specHolder: "", holderLocal: true), ElectionAction.Release },
        { "deleting, live holder, lock unexpired → follow (it may still lead)", Input(Held("a"), holderLocal: true, holderLive: true, deleting: true), ElectionAction.Follow },
        { "deleting, live holder who signalled, lock unexpired → follow, never renew", Input(Held("a"), holderLocal: true, holderLive: true, signalled: true, deleting: true), ElectionAction.Follow },
        { "deleting, live holder, lock unrenewed for its lease duration → release", Input(Held("a"), holderLocal: true, holderLive: true, expired: true, deleting: true), ElectionAction.Release },
        { "deleting, stale holder → release", Input(Held("a"), specLive: false, holderLocal: true, deleting: true), ElectionAction.Release },
        { "deleting, the holder released → release", Input(Held("a"), specHolder: "", holderLocal: true, holderLive: true, released: true, deleting: true), ElectionAction.Release },
        { "deleting, released lock, live candidate → follow (no takeover for a deleted CR)", Input(Held(""), deleting: true), ElectionAction.Follow },
        { "held by another cluster, unexpired → follow", Input(Held("remote")), ElectionAction.Follow },
        { "held by another cluster, expired → take over", Input(Held("remote"), expired: true), ElectionAction.TakeOver },
        { "expired but our candidate stale → follow", Input(Held("remote"), specLive: false, expired: true), ElectionAction.Follow },
        { "released → take over at once", Input(Held("")), ElectionAction.TakeOver },
        { "released, nobody asking → follow", Input(Held(""), specHolder: ""), ElectionAction.Follow },
        { "released, our candidate live but already answered → follow (it asks again)", Input(Held(""), awaiting: false), ElectionAction.Follow },
        { "expired, our candidate live but already answered → follow (it asks again)", Input(Held("remote"), expired: true, awaiting: false), ElectionAction.Follow },
        { "absent, our candidate live but already answered → follow (it asks again)", Input(LockSnapshot.Absent, awaiting: false), ElectionAction.Follow },
        { "held by ours, answered, signalled since the last write → renew", Input(Held("a"), holderLocal: true, holderLive: true, signalled: true, awaiting: false), ElectionAction.Renew },
        { "held by ours, answered, the holder released → release", Input(Held("a"), specHolder: "", holderLocal: true, holderLive: true, awaiting: false, released: true), ElectionAction.Release },
        { "other local holder live, spec names newcomer → follow", Input(Held("old-local"), specHolder: "b", holderLocal: true, holderLive: true), ElectionAction.Follow },
        { "other local holder live and signalled, spec names newcomer → renew for holder", Input(Held("old-local"), specHolder: "b", holderLocal: true, holderLive: true, signalled: true), ElectionAction.Renew },
        { "other local holder stale, spec names newcomer → release first", Input(Held("old-local"), specHolder: "b", holderLocal: true), ElectionAction.Release },
        { "remote holder, deleting → follow", Input(Held("remote"), expired: true, deleting: true), ElectionAction.Follow },
        { "corrupt → follow, never overwrite", Input(new LockSnapshot { Generation = 5, CorruptionError = "bad json" }, expired: true), ElectionAction.Follow },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decides(string name, ElectionInput input, ElectionAction expected)
    {
        var decision = ElectionDecider.Decide(input);
        Assert.True(expected == decision.Action, $"{name}: expected {expected}, got {decision.Action} ({decision.Reason})");
        Assert.Equal(expected == ElectionAction.Follow, decision.Record is null);
    }

    [Fact]
    public void CreateStartsAtEpochOne()
    {
        var record = ElectionDecider.Decide(Input(LockSnapshot.Absent)).Record!;
        Assert.Equal(("a", 1L, 0, 20, "n1"), (record.HolderIdentity, record.Epoch, record.LeaseTransitions, record.LeaseDurationSeconds, record.Nonce));
        Assert.Equal(Now, record.AcquireTime);
    }

    [Fact]
    public void TakeOverIncrementsEpochAndTransitions()
    {
        var record = ElectionDecider.Decide(Input(Held("remote", epoch: 7, transitions: 4), expired: true)).Record!;
        Assert.Equal(("a", 8L, 5), (record.HolderIdentity, record.Epoch, record.LeaseTransitions));
        Assert.Equal(Now, record.AcquireTime);
    }

    [Fact]
    public void TakeOverOfGoWrittenObjectContinuesFromTransitions()
    {
        // The Go implementation writes no epoch: the fencing token must still grow past every earlier holder.
        var record = ElectionDecider.Decide(Input(Held("go-holder", epoch: 0, transitions: 9), expired: true)).Record!;
        Assert.Equal(10L, record.Epoch);
    }

    [Fact]
    public void RenewKeepsEpochAcquireTimeAndTransitions()
    {
        var held = Held("a", epoch: 7, transitions: 4);
        var record = ElectionDecider.Decide(Input(held, holderLocal: true, holderLive: true, signalled: true)).Record!;
        Assert.Equal((7L, 4, held.Record!.AcquireTime, Now, "n1"), (record.Epoch, record.LeaseTransitions, record.AcquireTime, record.RenewTime, record.Nonce));
    }

    [Fact]
    public void ReleaseKeepsEpochSoTheNextHolderGetsAGreaterToken()
    {
        var record = ElectionDecider.Decide(Input(Held("a", epoch: 7), specHolder: "", holderLocal: true, released: true)).Record!;
        Assert.Equal(("", 7L), (record.HolderIdentity, record.Epoch));
        var next = ElectionDecider.Decide(Input(new LockSnapshot { Generation = 101, Record = record }, specHolder: "b")).Record!;
        Assert.Equal(8L, next.Epoch);
    }
}
