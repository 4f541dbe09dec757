// A peer of sharded ownership: the namespaces labelled shard=true are the shards; this process reconciles the
// ConfigMaps of the namespaces it owns, and only those. Run several with different --peer-id values; stop one with
// Ctrl-C / SIGTERM for a fast handoff. With --fence MultiClusterLease the fences are global (one peer per cluster is
// enough); --coordination-context CTX puts every peer's Lease in one cluster, so that peers in different clusters split
// the shards.
//
//   dotnet MultiClusterLease.ShardingSample.dll --kubeconfig ~/.kube/config --context cluster-a --peer-id peer-0
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding;
using MultiClusterLease.Sharding.Hosting;
using MultiClusterLease.ShardingSample;

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--kubeconfig"] = "Kubeconfig",
    ["--context"] = "Context",
    ["--coordination-context"] = "CoordinationContext",
    ["--peer-id"] = "PeerId",
    ["--selector"] = "Selector",
    ["--fence"] = "Fence",
    ["--namespace"] = "Namespace",
    ["--lease-duration"] = "LeaseDurationSeconds",
    ["--renew-interval"] = "RenewIntervalSeconds",
    ["--renew-deadline"] = "RenewDeadlineSeconds",
    ["--probe-interval"] = "ProbeIntervalSeconds",
});
var config = builder.Configuration;
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("MultiClusterLease", LogLevel.Information);

builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(
    config["Kubeconfig"] is { } path
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path, config["Context"])
        : KubernetesClientConfiguration.BuildDefaultConfig()));
if (config["CoordinationContext"] is { } coordination)
{
    // Peer Leases (and fence Leases) in a shared coordination cluster, so that peers in different clusters split the shards.
    builder.Services.AddKeyedSingleton<IKubernetes>(ShardingServiceCollectionExtensions.CoordinationClientKey, (_, _) => new Kubernetes(
        KubernetesClientConfiguration.BuildConfigFromConfigFile(config["Kubeconfig"], coordination)));
}

builder.Services.AddShardedOwnership<ConfigMapReconciler>(o =>
{
    o.PeerId = config["PeerId"] ?? o.PeerId;
    o.NamespaceLabelSelector = config["Selector"] ?? "shard=true";
    o.Namespace = config["Namespace"] ?? o.Namespace;
    o.FenceKind = Enum.Parse<FenceKind>(config["Fence"] ?? nameof(FenceKind.Lease), ignoreCase: true);
    o.LeaseDuration = TimeSpan.FromSeconds(config.GetValue("LeaseDurationSeconds", 20.0));
    o.RenewInterval = TimeSpan.FromSeconds(config.GetValue("RenewIntervalSeconds", 10.0));
    o.RenewDeadline = TimeSpan.FromSeconds(config.GetValue("RenewDeadlineSeconds", 15.0));
    o.ProbeInterval = TimeSpan.FromSeconds(config.GetValue("ProbeIntervalSeconds", 5.0));
});

await builder.Build().RunAsync();
