using System.Diagnostics;

namespace MultiClusterLease.Sandbox.Demo;

/// <summary>
/// What a demo prints and counts, shared by <c>make demo</c> and <c>make demo-sharding</c>: lines stamped with the
/// seconds since the demo started (one monotonic clock, which the demo also measures with), PASS/FAIL checks, and the
/// exit code, 0 when every check passed. Lines written from several threads do not interleave.
/// </summary>
internal sealed class DemoReport
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _failures;

    /// <summary>Gets the time since the demo started, on the clock its lines are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Formats a duration as seconds with one decimal, e.g. <c>12.3 s</c>.</summary>
    /// <param name="value">The duration.</param>
    /// <returns>The text.</returns>
    public static string Seconds(TimeSpan value) => $"{value.TotalSeconds:F1} s";

    /// <summary>Prints a line stamped with the time since the start.</summary>
    /// <param name="message">The line.</param>
    public void Say(string message)
    {
        lock (_gate)
        {
            Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {message}");
        }
    }

    /// <summary>Prints a check as PASS or FAIL; a failed one makes the exit code 1.</summary>
    /// <param name="ok">Whether the check passed.</param>
    /// <param name="message">What was checked.</param>
    public void Check(bool ok, string message)
    {
        if (!ok)
        {
            Interlocked.Increment(ref _failures);
        }

        Say($"{(ok ? "PASS" : "FAIL")} {message}");
    }

    /// <summary>Prints a failed check that ends the demo early.</summary>
    /// <param name="message">What failed.</param>
    /// <returns>The exit code, 1.</returns>
    public int Fail(string message)
    {
        Check(false, message);
        return 1;
    }

    /// <summary>Prints the verdict and, with <paramref name="keepRunning"/>, waits for Ctrl-C so the sandbox stays up.</summary>
    /// <param name="keepRunning">Whether to wait for cancellation before returning.</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <returns>The exit code: 0 when every check passed, else 1.</returns>
    public async Task<int> FinishAsync(bool keepRunning, CancellationToken cancellationToken)
    {
        Say(_failures == 0 ? "demo finished: every check passed" : $"demo finished: {_failures} check(s) FAILED");
        if (keepRunning)
        {
            Say("running until Ctrl-C; the sandbox stays up for kubectl");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return _failures == 0 ? 0 : 1;
    }
}
