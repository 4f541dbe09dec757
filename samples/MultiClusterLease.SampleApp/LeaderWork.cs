using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.LeaderElection;

namespace MultiClusterLease.SampleApp;

/// <summary>Leader-only work: a heartbeat that carries the fencing token, stopped the moment leadership ends.</summary>
internal sealed partial class LeaderWork : IHostedService
{
    private readonly MultiClusterLeaderElector _elector;
    private readonly ILogger<LeaderWork> _logger;

    public LeaderWork(MultiClusterLeaderElector elector, ILogger<LeaderWork> logger)
    {
        _elector = elector;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _elector.StartedLeading += (_, lease) =>
        {
            Log.Started(_logger, lease.Identity, lease.FencingToken);
            _ = WorkAsync(lease);
        };
        _elector.StoppedLeading += (_, lease) => Log.Stopped(_logger, lease.Identity, lease.FencingToken);
        _elector.NewLeader += (_, leader) => Log.NewLeader(_logger, leader.Length == 0 ? "(none: released)" : leader);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WorkAsync(LeadershipEventArgs lease)
    {
        try
        {
            while (true)
            {
                // Real work would pass lease.FencingToken to downstream systems so they can reject a deposed leader.
                await Task.Delay(TimeSpan.FromSeconds(5), lease.LeadershipToken);
                Log.Working(_logger, lease.Identity, lease.FencingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Identity}: started leading (fencing token {Token})")]
        public static partial void Started(ILogger logger, string identity, long token);

        [LoggerMessage(2, LogLevel.Information, "{Identity}: stopped leading (fencing token {Token})")]
        public static partial void Stopped(ILogger logger, string identity, long token);

        [LoggerMessage(3, LogLevel.Information, "new leader: {Leader}")]
        public static partial void NewLeader(ILogger logger, string leader);

        [LoggerMessage(4, LogLevel.Information, "{Identity}: leader work (fencing token {Token})")]
        public static partial void Working(ILogger logger, string identity, long token);
    }
}
