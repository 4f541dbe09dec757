using k8s;
using k8s.LeaderElection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Client.Candidate;

namespace MultiClusterLease.Client.LeaderElection;

/// <summary>
/// An <see cref="ILock"/> for the official Kubernetes C# client's <c>LeaderElector</c> (package KubernetesClient),
/// backed by a <c>MultiClusterLease</c> in the candidate's own cluster, so that one replica leads across clusters.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="GetAsync"/> reads the CR and returns the global holder from its status; <see cref="CreateAsync"/> and
/// <see cref="UpdateAsync"/> write the spec and wait, by watch, for the controller's answer (at most
/// <see cref="MultiClusterLeaseCandidateOptions.ConfirmationTimeout"/>), returning <see langword="true"/> only when the
/// controller confirmed this candidate as the global holder. They never throw for a lost race, a timeout or an API
/// failure. Calls may overlap: <c>LeaderElector</c> abandons slow attempts without cancelling them.
/// </para>
/// <para>
/// Build it as the official <c>LeaseLock(IKubernetes, namespace, name, identity)</c>: from the cluster's
/// <see cref="IKubernetes"/> and the options. Configure <c>LeaderElectionConfig</c> with the same LeaseDuration,
/// RenewDeadline and RetryPeriod as the options. The record <see cref="GetAsync"/> returns always carries a lease
/// duration (the controller's, or the options' until the controller reports one), so a standby elector waits for the
/// holder's lease to run out instead of writing the spec on every retry.
/// </para>
/// </remarks>
public sealed partial class MultiClusterLeaseLock : ILock, IAsyncDisposable
{
    private readonly MultiClusterLeaseCandidate _candidate;
    private readonly bool _ownsCandidate;
    private readonly ILogger _logger;
    private LeaderElectionRecord? _lastRecord;

    /// <summary>Initializes a new instance over its own candidate.</summary>
    /// <param name="client">The official client of the candidate's own cluster (shared; not disposed with the lock).</param>
    /// <param name="options">The candidate options (namespace, name, identity, timings).</param>
    /// <param name="timeProvider">The time provider, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MultiClusterLeaseLock(IKubernetes client, MultiClusterLeaseCandidateOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(new MultiClusterLeaseCandidate(client, options, timeProvider, loggerFactory?.CreateLogger<MultiClusterLeaseCandidate>()), ownsCandidate: true, loggerFactory)
    {
    }

    /// <summary>Initializes a new instance over an existing candidate (not disposed with the lock).</summary>
    /// <param name="candidate">The candidate.</param>
    public MultiClusterLeaseLock(MultiClusterLeaseCandidate candidate)
        : this(candidate, ownsCandidate: false, null)
    {
    }

    private MultiClusterLeaseLock(MultiClusterLeaseCandidate candidate, bool ownsCandidate, ILoggerFactory? loggerFactory)
    {
        _candidate = candidate;
        _ownsCandidate = ownsCandidate;
        _logger = (ILogger?)loggerFactory?.CreateLogger<MultiClusterLeaseLock>() ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public string Identity => _candidate.Identity;

    /// <summary>Gets the fencing token of the last confirmed acquisition or renewal (the global lock's epoch), or 0.</summary>
    public long FencingToken => _candidate.FencingToken;

    /// <summary>Gets the underlying candidate.</summary>
    public MultiClusterLeaseCandidate Candidate => _candidate;

    /// <summary>
    /// Reads the CR and returns the global election record from its status: <see langword="null"/> when the CR does not
    /// exist (404; the elector then calls <see cref="CreateAsync"/>); a record without times before the controller's
    /// first answer; always a lease duration (the controller's, else the options'); holder "" when nobody holds the lock, so the elector tries at once. When the API server cannot be
    /// reached, the last record read is returned (or <see langword="null"/>): <c>LeaderElector</c> lets other exceptions
    /// escape its acquire loop, and a stale record is safe because only a confirmed update makes a leader.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var view = await _candidate.GetAsync(cancellationToken);
            var record = view is null ? null : ToRecord(view, (int)Math.Ceiling(_candidate.Options.LeaseDuration.TotalSeconds));
            _lastRecord = record;
            return record!;
        }
        catch (Exception ex) when (MultiClusterLeaseCandidate.IsApiFailure(ex))
        {
            ReadFailed(_logger, Describe(), ex);
            return _lastRecord!;
        }
    }

    /// <summary>Signals and waits for confirmation; creates the CR when absent, and behaves as <see cref="UpdateAsync"/> when another local candidate created it first.</summary>
    /// <param name="record">The record the elector wants; only its holder is used.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns><see langword="true"/> only when the controller confirmed this candidate as the global holder.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) => UpdateAsync(record, cancellationToken);

    /// <summary>
    /// Writes the spec (holder = this candidate, renewTime = now), then waits by watch for
    /// <c>status.observedGeneration</c> ≥ the generation written, at most the confirmation timeout. A record whose
    /// holder is empty releases the lease instead.
    /// </summary>
    /// <param name="record">The record the elector wants; only its holder is used.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns><see langword="true"/> only when the controller confirmed this candidate as the global holder.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (string.IsNullOrEmpty(record.HolderIdentity))
        {
            return await _candidate.ReleaseAsync(cancellationToken);
        }

        var attempt = await _candidate.TryAcquireOrRenewAsync(cancellationToken);
        return attempt.Acquired;
    }

    /// <summary>Releases the lease (writes holder ""), for a graceful handover on shutdown.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when written.</returns>
    public Task<bool> ReleaseAsync(CancellationToken cancellationToken = default) => _candidate.ReleaseAsync(cancellationToken);

    /// <inheritdoc/>
    public string Describe() => _candidate.Describe();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsCandidate)
        {
            await _candidate.DisposeAsync();
        }
    }

    private static LeaderElectionRecord ToRecord(LeaseView view, int defaultLeaseDurationSeconds)
    {
        var holder = view.HolderIdentity;
        var renew = view.RenewTime?.UtcDateTime;
        return new LeaderElectionRecord
        {
            // Before the controller's first answer the record has no holder or times: the elector then calls Create.
            HolderIdentity = holder!,
            RenewTime = holder is null ? null : renew,
            AcquireTime = holder is null or "" ? null : (view.AcquireTime?.UtcDateTime ?? renew),
            // The real elector judges expiry by this value: 0 would make a standby write on every retry.
            LeaseDurationSeconds = view.LeaseDurationSeconds is > 0 and var seconds ? seconds : defaultLeaseDurationSeconds,
            LeaderTransitions = view.LeaseTransitions,
        };
    }

    [LoggerMessage(1, LogLevel.Warning, "{Lock}: read failed; returning the last record read")]
    private static partial void ReadFailed(ILogger logger, string @lock, Exception exception);
}
