namespace MultiClusterLease.Simulation.Scheduling;

/// <summary>
/// A process's view of simulated time: the monotonic timestamp is the loop's reference time (no drift); the wall clock
/// is the reference time plus the process's offset, which faults can step. Timers fire as work items of the process.
/// </summary>
internal sealed class SimulatedClock : TimeProvider
{
    /// <summary>The wall-clock time at the start of every run.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SimulatedProcess _process;

    public SimulatedClock(SimulatedProcess process, TimeSpan wallOffset)
    {
        _process = process;
        WallOffset = wallOffset;
    }

    /// <summary>Gets or sets how far this process's wall clock is from the reference.</summary>
    public TimeSpan WallOffset { get; set; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => Epoch + _process.Loop.Now + WallOffset;

    public override long GetTimestamp() => _process.Loop.NowTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => new SimulatedTimer(_process, callback, state, dueTime, period);
}

/// <summary>A timer on the simulation loop; its callback runs as a work item of its process.</summary>
internal sealed class SimulatedTimer : ITimer
{
    private readonly SimulatedProcess _process;
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private TimeSpan _period;
    private bool _disposed;

    public SimulatedTimer(SimulatedProcess process, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _process = process;
        _callback = callback;
        _state = state;
        Change(dueTime, period);
    }

    /// <summary>Gets the sequence number of the current schedule (0 = not scheduled).</summary>
    internal long Sequence { get; private set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        _period = period;
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            Sequence = 0;
            return true;
        }

        var due = _process.Loop.NowTicks + Math.Max(dueTime.Ticks, 0);
        Sequence = _process.Loop.Schedule(this, due);
        return true;
    }

    internal void Fire()
    {
        if (_disposed)
        {
            return;
        }

        Sequence = 0;
        if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
        {
            Change(_period, _period);
        }

        _process.Loop.Post(_process, static s => ((SimulatedTimer)s!).Invoke(), this);
    }

    private void Invoke()
    {
        if (!_disposed)
        {
            _callback(_state);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Sequence = 0;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
