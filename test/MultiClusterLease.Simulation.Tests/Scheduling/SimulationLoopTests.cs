using MultiClusterLease.Simulation.Scheduling;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Simulation.Tests.Scheduling;

public sealed class SimulationLoopTests
{
    [Fact]
    public void Delays_complete_in_simulated_time_without_waiting()
    {
        var loop = new SimulationLoop(new Random(1));
        var process = new SimulatedProcess(loop, "p", TimeSpan.Zero);
        TimeSpan? woke = null;
        process.Start(async () =>
        {
            await Task.Delay(TimeSpan.FromHours(1), process.Clock);
            woke = loop.Now;
        });

        loop.RunUntil(TimeSpan.FromHours(2));

        Assert.Equal(TimeSpan.FromHours(1), woke);
        Assert.Equal(0, loop.Escapes);
    }

    [Fact]
    public void A_paused_process_runs_nothing_until_resumed_and_a_killed_one_never_again()
    {
        var loop = new SimulationLoop(new Random(1));
        var paused = new SimulatedProcess(loop, "paused", TimeSpan.Zero);
        var killed = new SimulatedProcess(loop, "killed", TimeSpan.Zero);
        var world = new SimulatedProcess(loop, "world", TimeSpan.Zero);
        TimeSpan? pausedWoke = null;
        var killedWoke = false;
        paused.Start(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), paused.Clock);
            pausedWoke = loop.Now;
        });
        killed.Start(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), killed.Clock);
            killedWoke = true;
        });
        world.Start(async () =>
        {
            paused.Pause();
            killed.Kill();
            await Task.Delay(TimeSpan.FromSeconds(5), world.Clock);
            paused.Resume();
        });

        loop.RunUntil(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(5), pausedWoke);
        Assert.False(killedWoke);
    }

    [Fact]
    public void The_timer_or_signal_wait_ends_on_the_signal_or_the_timer_in_simulated_time()
    {
        var loop = new SimulationLoop(new Random(1));
        var process = new SimulatedProcess(loop, "p", TimeSpan.Zero);
        var signal = new WakeSignal();
        var results = new List<(bool Woken, TimeSpan At)>();
        process.Start(async () =>
        {
            results.Add((await signal.WaitAsync(TimeSpan.FromSeconds(2), process.Clock, CancellationToken.None), loop.Now));
            results.Add((await signal.WaitAsync(TimeSpan.FromSeconds(2), process.Clock, CancellationToken.None), loop.Now));
        });
        process.Start(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), process.Clock);
            signal.Set();
        });

        loop.RunUntil(TimeSpan.FromSeconds(10));

        Assert.Equal([(false, TimeSpan.FromSeconds(2)), (true, TimeSpan.FromSeconds(3))], results);
    }

    [Fact]
    public void The_wall_clock_of_a_process_has_its_offset_and_steps_while_the_monotonic_clock_does_not()
    {
        var loop = new SimulationLoop(new Random(1));
        var process = new SimulatedProcess(loop, "p", TimeSpan.FromMinutes(-30));
        var start = process.Clock.GetTimestamp();
        process.Clock.WallOffset += TimeSpan.FromMinutes(10);

        loop.RunUntil(TimeSpan.FromSeconds(3));

        Assert.Equal(SimulatedClock.Epoch + TimeSpan.FromSeconds(3) - TimeSpan.FromMinutes(20), process.Clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(3), process.Clock.GetElapsedTime(start));
    }
}
