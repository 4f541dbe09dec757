namespace MultiClusterLease.Simulation.Scheduling;

/// <summary>
/// One simulated process (a controller incarnation, a candidate, the world itself): its own clock and its own
/// synchronization context on the shared loop. Every continuation and timer of the process runs as a work item tagged
/// with it, so the process can be paused (its work waits, as in a long GC pause or a frozen VM) or killed (its work is
/// dropped, as in a crash: nothing of it runs again, no finally block, no release).
/// </summary>
internal sealed class SimulatedProcess
{
    private readonly List<SimulationLoop.WorkItem> _deferred = [];

    public SimulatedProcess(SimulationLoop loop, string name, TimeSpan wallOffset)
    {
        Loop = loop;
        Name = name;
        Context = new ProcessContext(this);
        Clock = new SimulatedClock(this, wallOffset);
    }

    public SimulationLoop Loop { get; }

    public string Name { get; }

    public SynchronizationContext Context { get; }

    public SimulatedClock Clock { get; }

    public bool IsDead { get; private set; }

    public bool IsPaused { get; private set; }

    /// <summary>Runs <paramref name="action"/> as a work item of this process.</summary>
    public void Post(Action action) => Loop.Post(this, static s => ((Action)s!)(), action);

    /// <summary>Starts an asynchronous operation as a work item of this process and returns its task.</summary>
    public Task Start(Func<Task> operation)
    {
        var done = new TaskCompletionSource();
        Post(() =>
        {
            Task task;
            try
            {
                task = operation();
            }
#pragma warning disable CA1031
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.TrySetException(ex);
                return;
            }

            task.ContinueWith(t =>
            {
                if (t.IsFaulted)
                {
                    done.TrySetException(t.Exception!.InnerExceptions);
                }
                else if (t.IsCanceled)
                {
                    done.TrySetCanceled();
                }
                else
                {
                    done.TrySetResult();
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });
        return done.Task;
    }

    /// <summary>Freezes the process: its work waits until <see cref="Resume"/>.</summary>
    public void Pause() => IsPaused = true;

    /// <summary>Lets the process run again: its waiting work (and the timers that came due meanwhile) run now.</summary>
    public void Resume()
    {
        IsPaused = false;
        foreach (var item in _deferred)
        {
            Loop.Post(item.Process, item.Callback, item.State);
        }

        _deferred.Clear();
    }

    /// <summary>Kills the process: nothing of it runs again.</summary>
    public void Kill()
    {
        IsDead = true;
        _deferred.Clear();
    }

    internal void Defer(SimulationLoop.WorkItem item) => _deferred.Add(item);

    public override string ToString() => Name;

    private sealed class ProcessContext(SimulatedProcess process) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) => process.Loop.Post(process, d, state);

        public override void Send(SendOrPostCallback d, object? state)
            => throw new NotSupportedException("Synchronous Send is not simulated.");

        public override SynchronizationContext CreateCopy() => this;
    }
}
