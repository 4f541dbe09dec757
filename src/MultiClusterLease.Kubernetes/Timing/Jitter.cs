namespace MultiClusterLease.Timing;

/// <summary>
/// The one source of randomness for every timing decision of the electors, the reconciler and the retry loops
/// (polling jitter, backoff): so that all of them spread their requests the same way, and so that a deterministic
/// simulation can make all of them reproducible at once.
/// </summary>
/// <remarks>
/// Draws from <see cref="Random.Shared"/>, unless the calling thread installed its own generator with
/// <see cref="UseOnThisThread"/>: the simulation runs a whole seeded world on one thread and installs a seeded
/// <see cref="Random"/> there. Nothing in shipped code installs one.
/// </remarks>
public static class Jitter
{
    [ThreadStatic]
    private static Random? t_random;

    /// <summary>Gets a random number in [0, 1).</summary>
    /// <returns>The number.</returns>
    public static double NextDouble() => (t_random ?? Random.Shared).NextDouble();

    /// <summary>Adds up to <paramref name="factor"/> × <paramref name="period"/> at random, as client-go's <c>wait.Jitter</c> does.</summary>
    /// <param name="period">The base period.</param>
    /// <param name="factor">The largest fraction of the period to add, e.g. 0.2 for up to 20 %.</param>
    /// <returns>A duration in [period, period × (1 + factor)).</returns>
    public static TimeSpan Add(TimeSpan period, double factor)
        => period + TimeSpan.FromTicks((long)(period.Ticks * factor * NextDouble()));

    /// <summary>Scales <paramref name="duration"/> to a random fraction in [<paramref name="low"/>, 1) of it ("equal jitter" backoff with 0.5).</summary>
    /// <param name="duration">The duration.</param>
    /// <param name="low">The smallest fraction kept, in [0, 1].</param>
    /// <returns>The scaled duration.</returns>
    public static TimeSpan Scale(TimeSpan duration, double low)
        => TimeSpan.FromTicks((long)(duration.Ticks * (low + ((1 - low) * NextDouble()))));

    /// <summary>
    /// Installs <paramref name="random"/> as the source of this thread until the returned scope is disposed. For a
    /// simulation that runs everything on one thread; never called by shipped code.
    /// </summary>
    /// <param name="random">The generator (not thread-safe, so only for one thread).</param>
    /// <returns>Restores the previous source when disposed.</returns>
    public static IDisposable UseOnThisThread(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var previous = t_random;
        t_random = random;
        return new Restore(previous);
    }

    private sealed class Restore(Random? previous) : IDisposable
    {
        public void Dispose() => t_random = previous;
    }
}
