namespace MultiClusterLease.Simulation.Scheduling;

/// <summary>
/// The deterministic scheduler: one thread runs every simulated process. Work is posted by processes (through their
/// <see cref="SimulatedProcess"/> synchronization contexts) and by timers; the loop runs the ready items in an order
/// chosen by its seeded generator, and when nothing is ready it advances the simulated time to the next timer. Work
/// posted from any other thread is an escape from the simulation (the run is then not reproducible): it is counted,
/// and the run reports it.
/// </summary>
internal sealed class SimulationLoop
{
    private readonly List<WorkItem> _ready = [];
    private readonly PriorityQueue<SimulatedTimer, (long Due, long Sequence)> _timers = new();
    private readonly Random _random;
    private readonly Thread _thread;
    private long _sequence;
    private int _escapes;

    public SimulationLoop(Random random)
    {
        _random = random;
        _thread = Thread.CurrentThread;
    }

    /// <summary>Gets the simulated reference time since the start of the run.</summary>
    public TimeSpan Now => TimeSpan.FromTicks(NowTicks);

    /// <summary>Gets the simulated reference time in ticks.</summary>
    public long NowTicks { get; private set; }

    /// <summary>Gets how many work items ran.</summary>
    public long Steps { get; private set; }

    /// <summary>Gets how many items were posted from another thread (escapes from the simulation).</summary>
    public int Escapes => Volatile.Read(ref _escapes);

    /// <summary>Gets where the first escape was posted from (a stack trace), for diagnosis.</summary>
    public string? FirstEscape { get; private set; }

    /// <summary>Gets the first failure thrown by a work item, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Queues work for <paramref name="process"/> (runs under its synchronization context unless it is dead; waits while it is paused).</summary>
    public void Post(SimulatedProcess process, SendOrPostCallback callback, object? state)
    {
        if (Thread.CurrentThread != _thread)
        {
            if (Interlocked.Increment(ref _escapes) == 1)
            {
                FirstEscape = Environment.StackTrace;
            }
        }

        lock (_ready)
        {
            _ready.Add(new WorkItem(process, callback, state));
        }
    }

    /// <summary>Registers a timer (called by <see cref="SimulatedTimer"/>).</summary>
    internal long Schedule(SimulatedTimer timer, long dueTicks)
    {
        var sequence = ++_sequence;
        _timers.Enqueue(timer, (dueTicks, sequence));
        return sequence;
    }

    /// <summary>Runs until the simulated time reaches <paramref name="until"/> or nothing is left to do.</summary>
    /// <param name="until">The reference time to stop at.</param>
    /// <param name="maxSteps">A bound on work items (a livelock guard).</param>
    public void RunUntil(TimeSpan until, long maxSteps = 50_000_000)
    {
        var previous = SynchronizationContext.Current;
        try
        {
            while (Steps < maxSteps)
            {
                WorkItem? next = null;
                lock (_ready)
                {
                    if (_ready.Count > 0)
                    {
                        var index = _ready.Count == 1 ? 0 : _random.Next(_ready.Count);
                        next = _ready[index];
                        _ready.RemoveAt(index);
                    }
                }

                if (next is { } item)
                {
                    RunItem(item);
                    continue;
                }

                if (!AdvanceTime(until.Ticks))
                {
                    break;
                }
            }

            if (Steps >= maxSteps)
            {
                Failure ??= new InvalidOperationException($"livelock: more than {maxSteps} steps by {Now}");
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void RunItem(WorkItem item)
    {
        var process = item.Process;
        if (process.IsDead)
        {
            return;
        }

        if (process.IsPaused)
        {
            process.Defer(item);
            return;
        }

        Steps++;

        SynchronizationContext.SetSynchronizationContext(process.Context);
        try
        {
            item.Callback(item.State);
        }
#pragma warning disable CA1031 // Any failure of simulated code is reported by the run.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failure ??= ex;
        }
    }

    /// <summary>Moves the clock to the next timer due at or before <paramref name="untilTicks"/> and readies every timer due then.</summary>
    private bool AdvanceTime(long untilTicks)
    {
        while (_timers.TryPeek(out var timer, out var key))
        {
            if (timer.Sequence != key.Sequence)
            {
                // Changed or disposed since it was queued.
                _timers.Dequeue();
                continue;
            }

            if (key.Due > untilTicks)
            {
                NowTicks = untilTicks;
                return false;
            }

            NowTicks = Math.Max(NowTicks, key.Due);
            while (_timers.TryPeek(out timer, out key) && key.Due <= NowTicks)
            {
                _timers.Dequeue();
                if (timer.Sequence == key.Sequence)
                {
                    timer.Fire();
                }
            }

            return true;
        }

        NowTicks = untilTicks;
        return false;
    }

    internal readonly record struct WorkItem(SimulatedProcess Process, SendOrPostCallback Callback, object? State);
}
