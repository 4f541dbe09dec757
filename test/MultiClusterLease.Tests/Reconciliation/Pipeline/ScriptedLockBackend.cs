using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

/// <summary>A lock object with generation preconditions, and failures on demand.</summary>
internal sealed class ScriptedLockBackend : ILockBackend
{
    public long Generation { get; private set; }

    public LockRecord? Record { get; private set; }

    public int Writes { get; private set; }

    public string? FailWith { get; set; }

    public string Describe(string lockName) => $"mem://{lockName}";

    public Task<LockSnapshot> ReadAsync(string lockName, CancellationToken cancellationToken)
        => FailWith is { } message ? throw new LockBackendException(message) : Task.FromResult(new LockSnapshot { Generation = Generation, Record = Record });

    public Task<LockWriteResult> WriteAsync(string lockName, LockRecord record, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        if (FailWith is { } message)
        {
            throw new LockBackendException(message);
        }

        if (ifGenerationMatch != Generation)
        {
            return Task.FromResult(new LockWriteResult(LockWriteStatus.PreconditionFailed, Generation));
        }

        Writes++;
        Record = record;
        Generation++;
        return Task.FromResult(new LockWriteResult(LockWriteStatus.Committed, Generation));
    }

    /// <summary>Another cluster's write.</summary>
    public void WriteElsewhere(LockRecord record)
    {
        Record = record;
        Generation++;
    }
}
