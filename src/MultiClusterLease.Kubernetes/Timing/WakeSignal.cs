namespace MultiClusterLease.Timing;

/// <summary>
/// A wake-up that is remembered until consumed: <see cref="Set"/> from a watch, <see cref="WaitAsync"/> in a loop. A wake
/// that arrives while the loop is busy makes its next wait return at once; several wakes before a wait count as one.
/// Thread-safe.
/// </summary>
public sealed class WakeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new();
    private bool _pending;

    /// <summary>Wakes the waiter now, or the next one.</summary>
    public void Set()
    {
        TaskCompletionSource woken;
        lock (_gate)
        {
            _pending = true;
            woken = _next;
        }

        woken.TrySetResult();
    }

    /// <summary>Consumes a pending wake, if any.</summary>
    /// <returns>Whether one was pending.</returns>
    public bool TryConsume()
    {
        lock (_gate)
        {
            return ConsumeLocked();
        }
    }

    /// <summary>Sleeps for <paramref name="delay"/> unless woken first, and consumes the wake.</summary>
    /// <param name="delay">How long to sleep at most; zero or less only consumes a pending wake.</param>
    /// <param name="timeProvider">The clock of the timer.</param>
    /// <param name="cancellationToken">Ends the wait (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns><see langword="true"/> when woken, <see langword="false"/> when the time ran out.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (ConsumeLocked())
            {
                return true;
            }

            if (delay <= TimeSpan.Zero)
            {
                return false;
            }

            signal = _next.Task;
        }

        var woken = await TimerOrSignal.WaitAsync(delay, signal, timeProvider, cancellationToken);
        TryConsume();
        return woken;
    }

    private bool ConsumeLocked()
    {
        if (!_pending)
        {
            return false;
        }

        _pending = false;
        if (_next.Task.IsCompleted)
        {
            _next = new TaskCompletionSource();
        }

        return true;
    }
}
