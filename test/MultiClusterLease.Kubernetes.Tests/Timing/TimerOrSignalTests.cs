using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Kubernetes.Tests.Timing;

public sealed class TimerOrSignalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ends_when_the_timer_runs_out_on_the_fake_clock()
    {
        var time = new FakeTimeProvider();
        var signal = new TaskCompletionSource();
        var wait = TimerOrSignal.WaitAsync(TimeSpan.FromSeconds(2), signal.Task, time, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.False(await wait.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Ends_on_the_signal_before_the_timer()
    {
        var time = new FakeTimeProvider();
        var signal = new TaskCompletionSource();
        var wait = TimerOrSignal.WaitAsync(TimeSpan.FromSeconds(2), signal.Task, time, CancellationToken.None);

        signal.SetResult();

        Assert.True(await wait.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Rounds_a_sub_millisecond_delay_up_instead_of_returning_at_once()
    {
        var time = new FakeTimeProvider();
        var wait = TimerOrSignal.WaitAsync(TimeSpan.FromTicks(3_000), new TaskCompletionSource().Task, time, CancellationToken.None);

        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await wait.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_with_OperationCanceledException()
    {
        var time = new FakeTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var wait = TimerOrSignal.WaitAsync(TimeSpan.FromSeconds(2), new TaskCompletionSource().Task, time, cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Timeout));
    }
}
