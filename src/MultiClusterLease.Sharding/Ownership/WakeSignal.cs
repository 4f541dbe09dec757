namespace MultiClusterLease.Sharding.Ownership;

/// <summary>"Timer or event": waits until <see cref="Set"/> is called or a delay on a <see cref="TimeProvider"/> ends.</summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the waiter (now, or at its next wait).</summary>
    public void Set() => Volatile.Read(ref _signal).TrySetResult();

    /// <summary>Waits for <see cref="Set"/> or the delay, whichever comes first.</summary>
    /// <param name="delay">The longest wait.</param>
    /// <param name="timeProvider">The clock of the delay.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes on wake.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task WaitAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _signal).Task;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, timeProvider, stop.Token);
        await Task.WhenAny(signal, timer).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (signal.IsCompleted)
        {
            Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }
}
