using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Ownership;

namespace MultiClusterLease.ShardingSample;

/// <summary>
/// The work per owned shard (a namespace): every second, reconcile each ConfigMap of the namespace by stamping it with
/// this peer and its fencing token. A ConfigMap already stamped with a larger token is left alone: a stale owner's late
/// write is refused by the token, not by timing.
/// </summary>
internal sealed partial class ConfigMapReconciler(IKubernetes client, TimeProvider timeProvider, ILogger<ConfigMapReconciler> logger) : IShardWorker
{
    public const string OwnerAnnotation = "sharding-sample.multiclusterlease.io/reconciled-by";
    public const string TokenAnnotation = "sharding-sample.multiclusterlease.io/fencing-token";

    public async Task RunAsync(ShardAssignment assignment, CancellationToken cancellationToken)
    {
        var token = assignment.FencingToken.ToString(CultureInfo.InvariantCulture);
        LogStarted(logger, assignment.PeerId, assignment.Shard, assignment.FencingToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var maps = await client.CoreV1.ListNamespacedConfigMapAsync(assignment.Shard, cancellationToken: cancellationToken);
                foreach (var map in maps.Items)
                {
                    var annotations = map.Metadata.Annotations ?? new Dictionary<string, string>();
                    annotations.TryGetValue(TokenAnnotation, out var seen);
                    if (long.TryParse(seen, CultureInfo.InvariantCulture, out var seenToken) && seenToken > assignment.FencingToken)
                    {
                        LogStale(logger, assignment.PeerId, assignment.Shard, map.Metadata.Name, seenToken);
                        continue;
                    }

                    if (annotations.TryGetValue(OwnerAnnotation, out var by) && by == assignment.PeerId && seen == token)
                    {
                        continue;
                    }

                    var body = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [OwnerAnnotation] = assignment.PeerId, [TokenAnnotation] = token } },
                    };
                    var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
                    await client.CoreV1.PatchNamespacedConfigMapAsync(patch, map.Metadata.Name, assignment.Shard, cancellationToken: cancellationToken);
                    LogReconciled(logger, assignment.PeerId, assignment.Shard, map.Metadata.Name, assignment.FencingToken);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        LogStopped(logger, assignment.PeerId, assignment.Shard);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Peer} starts reconciling namespace {Shard} (fencing token {Token})")]
    private static partial void LogStarted(ILogger logger, string peer, string shard, long token);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Peer} RECONCILED configmap {Shard}/{Name} (fencing token {Token})")]
    private static partial void LogReconciled(ILogger logger, string peer, string shard, string name, long token);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{Peer} left configmap {Shard}/{Name} alone: it carries a newer fencing token {Token}")]
    private static partial void LogStale(ILogger logger, string peer, string shard, string name, long token);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "{Peer} stopped reconciling namespace {Shard}")]
    private static partial void LogStopped(ILogger logger, string peer, string shard);
}
