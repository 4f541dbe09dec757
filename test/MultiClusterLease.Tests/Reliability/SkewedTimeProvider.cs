namespace MultiClusterLease.Tests.Reliability;

/// <summary>
/// A process's wall clock that is off by <see cref="Offset"/> and can be stepped while running; timers and the monotonic
/// timestamp are the machine's. The election must not care: it never compares another machine's wall clock.
/// </summary>
internal sealed class SkewedTimeProvider(TimeSpan offset) : TimeProvider
{
    private long _offsetTicks = offset.Ticks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Step(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
