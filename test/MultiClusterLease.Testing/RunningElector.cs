using System.Diagnostics;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;

namespace MultiClusterLease.Testing;

/// <summary>
/// A candidate on the real client library (<see cref="MultiClusterLeaseCandidate"/> driven by
/// <see cref="MultiClusterLeaderElector"/>) run in process, as a test or the benchmark runs one: started, stopped
/// gracefully (with release, what a pod does on SIGTERM) or crashed (no release, no further API call).
/// </summary>
public sealed class RunningElector : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<long> _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _terms;
    private int _lost;
    private int _disposed;

    /// <summary>Wraps a candidate and its elector; call <see cref="Start"/> to run it.</summary>
    /// <param name="cluster">The candidate's cluster (a kubeconfig context of the sandbox).</param>
    /// <param name="candidate">The candidate; disposed with this object.</param>
    /// <param name="elector">The elector over <paramref name="candidate"/>.</param>
    public RunningElector(string cluster, MultiClusterLeaseCandidate candidate, MultiClusterLeaderElector elector)
    {
        Cluster = cluster;
        Candidate = candidate;
        Elector = elector;
        elector.StartedLeading += (_, _) =>
        {
            Interlocked.Increment(ref _terms);
            _leading.TrySetResult(Stopwatch.GetTimestamp());
        };
        elector.StoppedLeading += (_, _) =>
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _lost);
            }
        };
    }

    /// <summary>Gets the candidate's identity.</summary>
    public string Identity => Candidate.Identity;

    /// <summary>Gets the candidate's cluster.</summary>
    public string Cluster { get; }

    /// <summary>Gets the candidate.</summary>
    public MultiClusterLeaseCandidate Candidate { get; }

    /// <summary>Gets the elector.</summary>
    public MultiClusterLeaderElector Elector { get; }

    /// <summary>Gets the elector's run; completed before <see cref="Start"/>.</summary>
    public Task Run { get; private set; } = Task.CompletedTask;

    /// <summary>Gets a task that completes with the <see cref="Stopwatch"/> timestamp of the first StartedLeading.</summary>
    public Task<long> Leading => _leading.Task;

    /// <summary>Gets how many terms of leadership started.</summary>
    public int Terms => Volatile.Read(ref _terms);

    /// <summary>Gets how many times leadership ended while the candidate was not being stopped.</summary>
    public int LostLeadership => Volatile.Read(ref _lost);

    /// <summary>Starts the elector.</summary>
    /// <returns>The <see cref="Stopwatch"/> timestamp just before it started.</returns>
    public long Start()
    {
        var at = Stopwatch.GetTimestamp();
        Run = Task.Run(() => Elector.RunAsync(_stop.Token));
        return at;
    }

    /// <summary>Stops gracefully: leadership ends and the lease is released.</summary>
    /// <returns>A task that completes when the elector has stopped.</returns>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run;
    }

    /// <summary>Crashes: the elector stops without release and the candidate (its watch) is disposed, so no further API call is made.</summary>
    /// <returns>A task that completes when the elector has stopped.</returns>
    public async Task CrashAsync()
    {
        Elector.ReleaseOnCancel = false;
        await _stop.CancelAsync();
        await Run;
        await Candidate.DisposeAsync();
    }

    /// <summary>Crashes the elector if still running, then disposes the candidate.</summary>
    /// <returns>A task that completes when both have stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_stop.IsCancellationRequested)
        {
            await CrashAsync();
        }

        await Candidate.DisposeAsync();
        _stop.Dispose();
    }
}
