using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Tests.Observation;

public sealed class ChangeTrackerTests
{
    [Fact]
    public void Unchanged_time_runs_on_the_observer_clock_and_restarts_on_every_change()
    {
        var clock = new FakeTimeProvider();
        var tracker = new ChangeTracker(clock);
        Assert.Null(tracker.UnchangedFor("a"));

        tracker.Observe("a", "1");
        clock.Advance(TimeSpan.FromSeconds(3));
        tracker.Observe("a", "1");
        Assert.Equal(TimeSpan.FromSeconds(3), tracker.UnchangedFor("a"));

        tracker.Observe("a", "2");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), tracker.UnchangedFor("a"));

        tracker.Retain(new HashSet<string>());
        Assert.Null(tracker.UnchangedFor("a"));
    }
}
