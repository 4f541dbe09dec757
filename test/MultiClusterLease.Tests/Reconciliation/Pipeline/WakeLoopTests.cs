using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Reconciliation.Pipeline;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

public sealed class WakeLoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_next_pass_runs_after_the_returned_delay()
    {
        var time = new FakeTimeProvider();
        var passes = new Passes(_ => ReconcilePassResult.After(TimeSpan.FromSeconds(5)));
        using var stop = new CancellationTokenSource();
        var run = new WakeLoop("ns/a", time, NullLogger.Instance, null).RunAsync(passes.RunAsync, stop.Token);

        await passes.WaitForAsync(1);
        time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Delay(50);
        Assert.Equal(1, passes.Count);

        time.Advance(TimeSpan.FromSeconds(0.2));
        await passes.WaitForAsync(2);

        await stop.CancelAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_wake_ends_the_wait_early_and_a_wake_during_a_pass_is_kept()
    {
        var time = new FakeTimeProvider();
        WakeLoop? loop = null;
        var passes = new Passes(n =>
        {
            if (n == 2)
            {
                // Arrives while this pass runs: the next wait returns at once.
                loop!.Wake();
            }

            return ReconcilePassResult.After(TimeSpan.FromMinutes(10));
        });
        using var stop = new CancellationTokenSource();
        loop = new WakeLoop("ns/a", time, NullLogger.Instance, null);
        var run = loop.RunAsync(passes.RunAsync, stop.Token);

        await passes.WaitForAsync(1);
        loop.Wake();
        await passes.WaitForAsync(3);
        await Task.Delay(50);
        Assert.Equal(3, passes.Count);

        await stop.CancelAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_stop_result_ends_the_loop_and_a_failed_pass_is_retried_after_two_seconds()
    {
        var time = new FakeTimeProvider();
        var passes = new Passes(n => n == 1 ? throw new InvalidOperationException("boom") : ReconcilePassResult.Stop);
        var run = new WakeLoop("ns/a", time, NullLogger.Instance, null).RunAsync(passes.RunAsync, CancellationToken.None);

        await passes.WaitForAsync(1);
        time.Advance(WakeLoop.FailureRetry - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.Equal(1, passes.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await run.WaitAsync(Timeout);
        Assert.Equal(2, passes.Count);
    }

    /// <summary>Counts the passes; each one's result comes from a script on its number (from 1).</summary>
    private sealed class Passes(Func<int, ReconcilePassResult> script)
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task<ReconcilePassResult> RunAsync(CancellationToken cancellationToken)
            => Task.FromResult(script(Interlocked.Increment(ref _count)));

        public async Task WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{Count} passes, expected {count}");
                await Task.Delay(5);
            }
        }
    }
}
