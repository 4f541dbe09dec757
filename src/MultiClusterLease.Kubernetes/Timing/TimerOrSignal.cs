namespace MultiClusterLease.Timing;

/// <summary>
/// The one "a timer or an event, whichever comes first" wait of every elector and of the reconciler: sleep for a
/// period on a <see cref="TimeProvider"/>, unless a signal (a watch event, a wake-up) completes first.
/// </summary>
/// <remarks>
/// It uses only the time provider's timers, and resumes the caller through <see cref="Task.Yield"/>: on the caller's
/// synchronization context when it has one (the deterministic simulation's), otherwise on the thread pool, never
/// inline on the thread that completed the signal (a watch loop).
/// </remarks>
public static class TimerOrSignal
{
    /// <summary>Waits until <paramref name="delay"/> passed on <paramref name="timeProvider"/> or <paramref name="signal"/> completed.</summary>
    /// <param name="delay">How long to sleep at most; zero or less returns at once.</param>
    /// <param name="signal">The event that ends the wait early (its outcome is ignored).</param>
    /// <param name="timeProvider">The clock of the timer.</param>
    /// <param name="cancellationToken">Ends the wait (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns><see langword="true"/> when the signal ended the wait, <see langword="false"/> when the timer did.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static async Task<bool> WaitAsync(TimeSpan delay, Task signal, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(timeProvider);
        cancellationToken.ThrowIfCancellationRequested();
        if (signal.IsCompleted)
        {
            return true;
        }

        if (delay <= TimeSpan.Zero)
        {
            return false;
        }

        // Task.Delay counts whole milliseconds and completes at once for less than one: round up, or a loop waiting for
        // a sub-millisecond remainder (e.g. of the write spacing) would spin until the clock moved on.
        using var timerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds)), timeProvider, timerCancellation.Token);
        var first = await Task.WhenAny(timer, signal);

        // Cancel (synchronously, unlike CancelAsync, whose callbacks run on the thread pool) the timer that lost.
        timerCancellation.Cancel();
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return first == signal;
    }
}
