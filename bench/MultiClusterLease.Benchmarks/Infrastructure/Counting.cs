using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>
/// The candidate's logger, used as a probe: the candidate logs every answer it gets (event 1, "Answered", with
/// <c>Acquired</c>), so counting those gives the confirmed acquisitions and renewals without touching the product.
/// Warnings and errors go on to <paramref name="inner"/>.
/// </summary>
internal sealed class RenewalCounter(ILogger inner) : ILogger<MultiClusterLeaseCandidate>
{
    private long _confirmed;
    private long _refused;
    private long _unanswered;

    public long Confirmed => Interlocked.Read(ref _confirmed);

    public long Refused => Interlocked.Read(ref _refused);

    public long Unanswered => Interlocked.Read(ref _unanswered);

    public void Reset()
    {
        Interlocked.Exchange(ref _confirmed, 0);
        Interlocked.Exchange(ref _refused, 0);
        Interlocked.Exchange(ref _unanswered, 0);
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        switch (eventId.Id)
        {
            case 1 when state is IReadOnlyList<KeyValuePair<string, object?>> fields:
                var acquired = fields.FirstOrDefault(f => f.Key == "Acquired").Value is true;
                if (acquired)
                {
                    Interlocked.Increment(ref _confirmed);
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                }

                break;
            case 2:
                Interlocked.Increment(ref _unanswered);
                break;
        }

        if (logLevel >= LogLevel.Warning || inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}

/// <summary>Counts the controller's calls to its lock backend: one read per poll, one write per renewal.</summary>
internal sealed class CountingLockBackend(ILockBackend inner) : ILockBackend
{
    private long _reads;
    private long _writes;

    public long Reads => Interlocked.Read(ref _reads);

    public long Writes => Interlocked.Read(ref _writes);

    public void Reset()
    {
        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _writes, 0);
    }

    public string Describe(string lockName) => inner.Describe(lockName);

    public Task<LockSnapshot> ReadAsync(string lockName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync(lockName, cancellationToken);
    }

    public Task<LockWriteResult> WriteAsync(string lockName, LockRecord record, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        return inner.WriteAsync(lockName, record, ifGenerationMatch, cancellationToken);
    }
}
