using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Sharding.Ownership;

internal sealed partial class ShardCoordinator
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Peer {Peer} joining sharded ownership in namespace {Namespace} with {FenceKind} fences")]
    private static partial void LogStarting(ILogger logger, string peer, string @namespace, FenceKind fenceKind);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Peer {Peer} sees live peers: {Peers}")]
    private static partial void LogPeersChanged(ILogger logger, string peer, string peers);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Peer {Peer} owns shard {Shard} (fencing token {Token})")]
    private static partial void LogOwnershipStarted(ILogger logger, string peer, string shard, long token);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Peer {Peer} released shard {Shard} (fencing token {Token}): {Reason}")]
    private static partial void LogOwnershipEnded(ILogger logger, string peer, string shard, long token, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Peer {Peer} lost the fence of shard {Shard}: stopping its work")]
    private static partial void LogFenceLost(ILogger logger, string peer, string shard);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Peer {Peer} could not renew the fence of shard {Shard} before the renew deadline: stopping its work")]
    private static partial void LogRenewDeadlinePassed(ILogger logger, string peer, string shard);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Listing the sharding Leases failed: {Error}")]
    private static partial void LogListFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Writing the peer Lease of {Peer} failed: {Error}")]
    private static partial void LogPeerLeaseFailed(ILogger logger, string peer, string error);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "The work of peer {Peer} on shard {Shard} failed")]
    private static partial void LogWorkFailed(ILogger logger, string peer, string shard, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "The shard source failed; the shard set stays as it was")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Peer {Peer} left (graceful: {Graceful})")]
    private static partial void LogLeft(ILogger logger, string peer, bool graceful);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "A decision pass of peer {Peer} failed; the next pass retries: {Error}")]
    private static partial void LogPassActionFailed(ILogger logger, string peer, string error);
}
