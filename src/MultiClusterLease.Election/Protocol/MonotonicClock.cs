namespace MultiClusterLease.Election.Protocol;

/// <summary>
/// Elapsed time on this process's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>). The election never compares
/// another machine's timestamps with its own clock: expiry is always "no change observed for a duration" on this clock.
/// </summary>
public sealed class MonotonicClock
{
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="timeProvider">The time source.</param>
    public MonotonicClock(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Gets the time elapsed since this clock was created.</summary>
    public TimeSpan Now => _timeProvider.GetElapsedTime(_origin);

    /// <summary>Gets the wall-clock time, used only for informational fields (renewTime, globalRenewTime).</summary>
    public DateTimeOffset WallNow => _timeProvider.GetUtcNow();
}
