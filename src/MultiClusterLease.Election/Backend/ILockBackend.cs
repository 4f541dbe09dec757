namespace MultiClusterLease.Election.Backend;

/// <summary>
/// A store of global lock objects with compare-and-swap on an object generation. The GCS implementation is
/// <c>GcsLockBackend</c>; others can follow behind this interface.
/// </summary>
public interface ILockBackend
{
    /// <summary>Describes where a lock lives, e.g. <c>gs://bucket/prefixleases/ns/name</c>.</summary>
    /// <param name="lockName">The lock name (<c>NAMESPACE/NAME</c> by default).</param>
    /// <returns>The address shown in status and logs.</returns>
    string Describe(string lockName);

    /// <summary>Reads a lock object's body and generation in one request.</summary>
    /// <param name="lockName">The lock name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The snapshot; <see cref="LockSnapshot.Absent"/> when there is no object.</returns>
    /// <exception cref="LockBackendException">The backend failed after the allowed retries.</exception>
    Task<LockSnapshot> ReadAsync(string lockName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a lock object only if its generation is still <paramref name="ifGenerationMatch"/> (0: only if absent).
    /// A write whose answer is lost is settled by re-reading and comparing <see cref="LockRecord.Nonce"/>, so the
    /// result is never ambiguous.
    /// </summary>
    /// <param name="lockName">The lock name.</param>
    /// <param name="record">The body; its <see cref="LockRecord.Nonce"/> must be unique to this write.</param>
    /// <param name="ifGenerationMatch">The generation precondition (GCS <c>ifGenerationMatch</c>).</param>
    /// <param name="cancellationToken">Cancels the write; a cancelled write may or may not have committed.</param>
    /// <returns>Committed with the new generation, or precondition failed.</returns>
    /// <exception cref="LockBackendException">The backend failed after the allowed retries and the outcome could not be settled.</exception>
    Task<LockWriteResult> WriteAsync(string lockName, LockRecord record, long ifGenerationMatch, CancellationToken cancellationToken);
}

/// <summary>The lock backend failed: transport error, server error after retries, or permission denied.</summary>
public sealed class LockBackendException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public LockBackendException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public LockBackendException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LockBackendException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status, when the backend answered.</param>
    /// <param name="innerException">The cause.</param>
    public LockBackendException(string message, int? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status the backend answered with, if any.</summary>
    public int? StatusCode { get; }
}
