// A candidate that leads across clusters with MultiClusterLease: it runs MultiClusterLeaderElector in a Generic Host,
// does "leader work" only while it leads, and releases the lease when stopped (Ctrl-C / SIGTERM) for a fast handover.
//
//   dotnet MultiClusterLease.SampleApp.dll --kubeconfig ~/.kube/config --context cluster-a \
//       --namespace default --name my-operator --identity pod-a
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Hosting;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.SampleApp;

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--kubeconfig"] = "Kubeconfig",
    ["--context"] = "Context",
    ["--namespace"] = "Namespace",
    ["--name"] = "Name",
    ["--identity"] = "Identity",
    ["--lease-duration"] = "LeaseDurationSeconds",
    ["--renew-deadline"] = "RenewDeadlineSeconds",
    ["--retry-period"] = "RetryPeriodSeconds",
});
var config = builder.Configuration;
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("MultiClusterLease.SampleApp", LogLevel.Information);

var identity = config["Identity"] ?? $"{Environment.MachineName}_{Guid.NewGuid():N}";
builder.Services.AddKubernetesClient(o =>
{
    o.KubeconfigPath = config["Kubeconfig"];
    o.Context = config["Context"];
    o.UserAgent = $"multiclusterlease-sample/0.1 ({identity})";
});
builder.Services.AddMultiClusterLeaderElection(o =>
{
    o.Namespace = config["Namespace"] ?? "default";
    o.Name = config["Name"] ?? "sample-lease";
    o.Identity = identity;
    o.LeaseDuration = TimeSpan.FromSeconds(config.GetValue("LeaseDurationSeconds", 15));
    o.RenewDeadline = TimeSpan.FromSeconds(config.GetValue("RenewDeadlineSeconds", 10));
    o.RetryPeriod = TimeSpan.FromSeconds(config.GetValue("RetryPeriodSeconds", 2));
});
builder.Services.AddHostedService<LeaderWork>();

await builder.Build().RunAsync();
