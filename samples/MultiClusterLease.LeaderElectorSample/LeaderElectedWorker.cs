using k8s.LeaderElection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;

namespace MultiClusterLease.LeaderElectorSample;

/// <summary>
/// Runs the official <see cref="LeaderElector"/> over a <see cref="MultiClusterLeaseLock"/> for the life of the host,
/// does the leader-only work while it leads, and releases the lease on shutdown so another cluster takes over at once.
/// </summary>
internal sealed partial class LeaderElectedWorker(
    MultiClusterLeaseLock @lock,
    MultiClusterLeaseCandidateOptions options,
    ILogger<LeaderElectedWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The same timings as the lock's options: the safety argument assumes the elector and the lock agree.
        var config = new LeaderElectionConfig(@lock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);

        CancellationTokenSource? leading = null;
        Task work = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            leading?.Dispose();
            leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            work = LeadAsync(leading.Token);
        };
        // Stop leader-only work at once: by now another cluster may be about to take over.
        elector.OnStoppedLeading += () => leading?.Cancel();
        elector.OnNewLeader += leader => NewLeader(logger, leader);
        elector.OnError += error => ElectionError(logger, error);

        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            leading?.Cancel();
            await work.ContinueWith(_ => { }, TaskScheduler.Default);

            // A graceful handover: without it, the other clusters wait for the lease to expire. Writes only when this
            // candidate is the one asking in the CR.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await @lock.ReleaseAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // The API server did not answer in time: the lease expires instead.
            }

            leading?.Dispose();
        }
    }

    private async Task LeadAsync(CancellationToken leadership)
    {
        // The fencing token grows with every change of leader: pass it to the systems the leader writes to, so that
        // they can refuse a deposed leader's late writes.
        Leading(logger, @lock.Identity, @lock.FencingToken);
        try
        {
            while (!leadership.IsCancellationRequested)
            {
                // ... the work only one replica in all clusters may do ...
                await Task.Delay(TimeSpan.FromSeconds(1), leadership);
            }
        }
        catch (OperationCanceledException) when (leadership.IsCancellationRequested)
        {
        }

        StoppedLeading(logger, @lock.Identity);
    }

    [LoggerMessage(1, LogLevel.Information, "{Identity} leads, fencing token {FencingToken}")]
    private static partial void Leading(ILogger logger, string identity, long fencingToken);

    [LoggerMessage(2, LogLevel.Information, "{Identity} stopped leading")]
    private static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(3, LogLevel.Information, "new leader: {Leader}")]
    private static partial void NewLeader(ILogger logger, string leader);

    [LoggerMessage(4, LogLevel.Warning, "leader election error")]
    private static partial void ElectionError(ILogger logger, Exception exception);
}
