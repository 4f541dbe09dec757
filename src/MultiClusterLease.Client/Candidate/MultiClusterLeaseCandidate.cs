using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Kubernetes.Errors;
using MultiClusterLease.Kubernetes.Json;
using MultiClusterLease.Kubernetes.Watching;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Client.Candidate;

/// <summary>
/// One candidate's side of a multi-cluster election. It reads and writes only its own cluster's
/// <c>MultiClusterLease</c>: it signals by writing <c>spec</c> (holder = itself, renewTime = now), then waits, by watch,
/// for the controller's answer in <c>status</c> (<c>observedGeneration</c> ≥ the generation it wrote). It never talks
/// to the global lock's backend and carries no cloud dependency. Safe under concurrent calls.
/// </summary>
public sealed partial class MultiClusterLeaseCandidate : IAsyncDisposable
{
    private readonly ICandidateLeaseClient _api;
    private readonly MultiClusterLeaseCandidateOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    // Continuations run inline on the watch loop only up to the waiters' Task.Yield: see WaitForChangeAsync.
    private TaskCompletionSource _changed = new();
    private Task? _watchTask;
    private Lease? _latest;
    private long _confirmedFencingToken;
    private int _disposed;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The official client of the candidate's own cluster (shared; not disposed here).</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="timeProvider">The time provider; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MultiClusterLeaseCandidate(IKubernetes client, MultiClusterLeaseCandidateOptions options, TimeProvider? timeProvider = null, ILogger<MultiClusterLeaseCandidate>? logger = null)
        : this(new KubernetesCandidateLeaseClient(client ?? throw new ArgumentNullException(nameof(client)), (options ?? throw new ArgumentNullException(nameof(options))).Namespace, options.Name), options, timeProvider, logger)
    {
    }

    /// <summary>Initializes a new instance over any implementation of the CR access (e.g. an in-memory one).</summary>
    /// <param name="api">Access to the candidate's CR.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="timeProvider">The time provider; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    internal MultiClusterLeaseCandidate(ICandidateLeaseClient api, MultiClusterLeaseCandidateOptions options, TimeProvider? timeProvider = null, ILogger<MultiClusterLeaseCandidate>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        _api = api;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the options.</summary>
    public MultiClusterLeaseCandidateOptions Options => _options;

    /// <summary>Gets this candidate's identity.</summary>
    public string Identity => _options.Identity;

    /// <summary>
    /// Gets the fencing token of this candidate's last confirmed acquisition or renewal (the lock's epoch), or 0. Pass it
    /// to downstream systems so they reject writes from a deposed leader.
    /// </summary>
    public long FencingToken => Interlocked.Read(ref _confirmedFencingToken);

    /// <summary>Gets the latest state of the CR seen by the watch, or <see langword="null"/>.</summary>
    public LeaseView? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest is null ? null : LeaseView.From(_latest);
            }
        }
    }

    /// <summary>Describes the lock for logs: <c>MultiClusterLease NAMESPACE/NAME</c>.</summary>
    /// <returns>The description.</returns>
    public string Describe() => $"MultiClusterLease {_options.Namespace}/{_options.Name}";

    /// <summary>Reads the CR from the API server.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The controller's view, or <see langword="null"/> when the CR does not exist (404).</returns>
    /// <exception cref="HttpOperationException">The API server failed (other than 404).</exception>
    /// <exception cref="HttpRequestException">The API server could not be reached.</exception>
    public async Task<LeaseView?> GetAsync(CancellationToken cancellationToken = default)
    {
        EnsureWatching();
        var lease = await _api.GetAsync(cancellationToken);
        if (lease is null)
        {
            return null;
        }

        Remember(lease);
        return LeaseView.From(lease);
    }

    /// <summary>
    /// Asks to acquire or renew the global lock and waits for the controller's answer ("signal, then confirm").
    /// Never throws for a lost race, a timeout or an API failure: it returns <see cref="LeaseAttempt.Acquired"/> false.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns>Whether this candidate was confirmed as the global holder, and the status that decided it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<LeaseAttempt> TryAcquireOrRenewAsync(CancellationToken cancellationToken = default)
    {
        EnsureWatching();
        var signalledAt = _timeProvider.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.EffectiveConfirmationTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var (generation, uid) = await SignalAsync(_options.Identity, linked.Token);
            var view = await WaitForAnswerAsync(generation, uid, linked.Token);
            var acquired = view.HolderIdentity == _options.Identity;
            if (acquired)
            {
                InterlockedMax(ref _confirmedFencingToken, view.FencingToken);
            }

            Log.Answered(_logger, Describe(), _options.Identity, generation, view.HolderIdentity ?? "", acquired);
            return new LeaseAttempt(acquired, view, signalledAt);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.NoAnswer(_logger, Describe(), _options.Identity, _options.EffectiveConfirmationTimeout);
            return new LeaseAttempt(false, null, signalledAt);
        }
        catch (Exception ex) when (IsApiFailure(ex))
        {
            Log.AttemptFailed(_logger, Describe(), ex);
            return new LeaseAttempt(false, null, signalledAt);
        }
    }

    /// <summary>
    /// Releases the lease: writes <c>spec.holderIdentity: ""</c> when this candidate is the spec's holder, so the
    /// controller releases the global lock at once and another cluster can take over without waiting for expiry.
    /// </summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when the release was written.</returns>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        // The controller's status writes change the resourceVersion often: retry a conflict on a fresh read, as long as
        // the spec still names this candidate.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var lease = await _api.GetAsync(cancellationToken);
                if (lease?.Spec?.HolderIdentity != _options.Identity)
                {
                    return false;
                }

                // Conditional on the version read, so a release never erases another local candidate's newer request.
                var patch = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["resourceVersion"] = lease.Metadata.ResourceVersion },
                    ["spec"] = new JsonObject
                    {
                        ["holderIdentity"] = "",
                        ["renewTime"] = MicroTime.Format(_timeProvider.GetUtcNow()),
                    },
                };
                await _api.PatchAsync(patch.ToJsonString(), cancellationToken);
                Interlocked.Exchange(ref _confirmedFencingToken, 0);
                Log.Released(_logger, Describe(), _options.Identity);
                return true;
            }
            catch (Exception ex) when (ex.IsConflict())
            {
                // Another writer changed the CR since the read: read again.
            }
            catch (Exception ex) when (IsApiFailure(ex))
            {
                Log.ReleaseFailed(_logger, Describe(), ex);
                return false;
            }
        }

        return false;
    }

    /// <summary>Waits until the watch delivers a change of the CR, or the token fires.</summary>
    /// <param name="cancellationToken">Ends the wait (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns>A task that completes on the next change.</returns>
    public async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        await NextChange.WaitAsync(cancellationToken);

        // Resume off the watch loop that completed the change (on the thread pool, or the caller's context).
        await Task.Yield();
    }

    /// <summary>Gets a task that completes on the next change the watch delivers (for a timer-or-change wait).</summary>
    internal Task NextChange
    {
        get
        {
            EnsureWatching();
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        if (_watchTask is not null)
        {
            try
            {
                await _watchTask;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
    }

    /// <summary>Writes the signal; returns the generation written and the UID of the object it was written to.</summary>
    private async Task<(long Generation, string? Uid)> SignalAsync(string holder, CancellationToken cancellationToken)
    {
        var spec = new JsonObject
        {
            ["holderIdentity"] = holder,
            ["renewTime"] = MicroTime.Format(_timeProvider.GetUtcNow()),
            ["leaseDurationSeconds"] = (int)_options.LeaseDuration.TotalSeconds,
            ["renewDeadlineSeconds"] = (int)_options.RenewDeadline.TotalSeconds,
            ["retryPeriodSeconds"] = (int)_options.RetryPeriod.TotalSeconds,
        };
        if (_options.LockName is not null)
        {
            spec["lockName"] = _options.LockName;
        }

        try
        {
            var patched = await _api.PatchAsync(new JsonObject { ["spec"] = spec }.ToJsonString(), cancellationToken);
            return (patched.Metadata.Generation ?? 0, patched.Metadata.Uid);
        }
        catch (Exception ex) when (ex.IsNotFound())
        {
            // First candidate in this cluster: create the CR. Another local candidate may win the race; then patch it.
            var lease = new Lease
            {
                Metadata = new() { Name = _options.Name, NamespaceProperty = _options.Namespace },
                Spec = KubernetesJson.Deserialize<V1Alpha1MultiClusterLeaseSpec>(spec.ToJsonString()),
            };
            try
            {
                var created = await _api.CreateAsync(lease, cancellationToken);
                return (created.Metadata.Generation ?? 1, created.Metadata.Uid);
            }
            catch (Exception again) when (again.IsAlreadyExists())
            {
                var patched = await _api.PatchAsync(new JsonObject { ["spec"] = spec.DeepClone() }.ToJsonString(), cancellationToken);
                return (patched.Metadata.Generation ?? 0, patched.Metadata.Uid);
            }
        }
    }

    /// <summary>
    /// Waits for status to answer the signal: observedGeneration at or past its generation, on the same object. The
    /// watch may still hold the status of an earlier object of the same name (deleted and created again while the
    /// watch was away): that answered older signals, and its larger generations would otherwise confirm this one
    /// (found by the simulation, seed 152).
    /// </summary>
    private async Task<LeaseView> WaitForAnswerAsync(long generation, string? uid, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_latest is { } lease && (uid is null || lease.Metadata.Uid == uid) && (lease.Status?.ObservedGeneration ?? 0) >= generation)
                {
                    return LeaseView.From(lease);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
            await Task.Yield();
        }
    }

    private void Remember(Lease lease)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            // Keep the newest version: a GET may return an older state than the watch already delivered.
            if (_latest is not null && long.TryParse(_latest.Metadata.ResourceVersion, out var known)
                && long.TryParse(lease.Metadata.ResourceVersion, out var incoming) && incoming < known
                && _latest.Metadata.Uid == lease.Metadata.Uid)
            {
                return;
            }

            _latest = lease;
            previous = _changed;
            _changed = new TaskCompletionSource();
        }

        previous.TrySetResult();
    }

    private void Forget()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            _latest = null;
            previous = _changed;
            _changed = new TaskCompletionSource();
        }

        previous.TrySetResult();
    }

    private void EnsureWatching()
    {
        if (_watchTask is not null)
        {
            return;
        }

        lock (_gate)
        {
            _watchTask ??= RunWatchLoopAsync(_stopping.Token);
        }
    }

    /// <summary>Starts the watch loop off the caller: on the thread pool, or on the caller's synchronization context (a deterministic simulation's), which Task.Run would bypass.</summary>
    private async Task RunWatchLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        await WatchLoopAsync(cancellationToken);
    }

    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        // Answers arrive only by watch: after an outage, reconnect within a retry period, not the default 30 s backoff
        // (simulation: a candidate cut off for 12 s was confirmed only 13 s after healing).
        var watcher = new ResourceWatcher<Lease>(_api.ListWatch(), new ResourceWatcherOptions { MaxBackoff = _options.RetryPeriod }, _timeProvider);
        try
        {
            await foreach (var change in watcher.WatchAsync(cancellationToken))
            {
                if (change.Object.Metadata?.Name != _options.Name)
                {
                    continue;
                }

                if (change.Type == WatchEventType.Deleted)
                {
                    Forget();
                }
                else
                {
                    Remember(change.Object);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether a failure is the API server's answer, a transport failure or an undecodable body (all retried by the caller).</summary>
    internal static bool IsApiFailure(Exception exception)
        => exception is HttpOperationException or KubernetesException or HttpRequestException or System.Text.Json.JsonException;

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "{Lock}: {Identity} signalled at generation {Generation}; holder is '{Holder}' (acquired: {Acquired})")]
        public static partial void Answered(ILogger logger, string @lock, string identity, long generation, string holder, bool acquired);

        [LoggerMessage(2, LogLevel.Information, "{Lock}: no answer for {Identity} from the election controller within {Timeout}")]
        public static partial void NoAnswer(ILogger logger, string @lock, string identity, TimeSpan timeout);

        [LoggerMessage(3, LogLevel.Warning, "{Lock}: attempt failed")]
        public static partial void AttemptFailed(ILogger logger, string @lock, Exception exception);

        [LoggerMessage(4, LogLevel.Information, "{Lock}: {Identity} released the lease")]
        public static partial void Released(ILogger logger, string @lock, string identity);

        [LoggerMessage(5, LogLevel.Warning, "{Lock}: release failed")]
        public static partial void ReleaseFailed(ILogger logger, string @lock, Exception exception);
    }
}
