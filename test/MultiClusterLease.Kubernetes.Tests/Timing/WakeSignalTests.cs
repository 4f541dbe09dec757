using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Kubernetes.Tests.Timing;

public sealed class WakeSignalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_wake_before_the_wait_makes_it_return_at_once_and_is_consumed()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        signal.Set();
        signal.Set();

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(2), time, CancellationToken.None).WaitAsync(Timeout));

        // Two wakes before the wait count as one: the next wait sleeps.
        var next = signal.WaitAsync(TimeSpan.FromSeconds(2), time, CancellationToken.None);
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(await next.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_wake_during_the_wait_ends_it()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        var wait = signal.WaitAsync(TimeSpan.FromSeconds(2), time, CancellationToken.None);

        signal.Set();

        Assert.True(await wait.WaitAsync(Timeout));
        Assert.False(signal.TryConsume());
    }

    [Fact]
    public async Task A_zero_delay_only_consumes_a_pending_wake()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();

        Assert.False(await signal.WaitAsync(TimeSpan.Zero, time, CancellationToken.None));
        signal.Set();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, time, CancellationToken.None));
        Assert.False(signal.TryConsume());
    }
}
