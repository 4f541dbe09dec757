// A .NET operator that leads across clusters with the official Kubernetes C# client's LeaderElector (package
// KubernetesClient): MultiClusterLeaseLock takes the place of LeaseLock, everything else is the usual LeaderElector.
// The candidate talks only to its own cluster; that cluster's election controller settles the election with the others.
//
//   dotnet MultiClusterLease.LeaderElectorSample.dll --namespace default --name my-operator
//
// In a pod, set POD_NAME and POD_NAMESPACE from the downward API and grant the service account the candidate Role
// (config/samples/candidate_rbac.yaml).
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.LeaderElectorSample;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--namespace"] = "Namespace",
    ["--name"] = "Name",
});

// The official client of this cluster, as any operator has it: KUBECONFIG / ~/.kube/config, else in-cluster.
builder.Services.AddSingleton<IKubernetes>(new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));

// The lock, built as the official LeaseLock(IKubernetes, namespace, name, identity) is. The identity must be unique across every cluster: the pod name alone may repeat in another cluster.
// LeaseDuration > RenewDeadline + 2 × RetryPeriod, and RetryPeriod ≥ 2 s (the options validate it).
builder.Services.AddSingleton(new MultiClusterLeaseCandidateOptions
{
    Namespace = builder.Configuration["Namespace"] ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default",
    Name = builder.Configuration["Name"] ?? "my-operator",
    Identity = $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}_{Guid.NewGuid():N}",
    LeaseDuration = TimeSpan.FromSeconds(15),
    RenewDeadline = TimeSpan.FromSeconds(10),
    RetryPeriod = TimeSpan.FromSeconds(2),
});
builder.Services.AddSingleton(sp => new MultiClusterLeaseLock(
    sp.GetRequiredService<IKubernetes>(),
    sp.GetRequiredService<MultiClusterLeaseCandidateOptions>(),
    timeProvider: null,
    sp.GetRequiredService<ILoggerFactory>()));

builder.Services.AddHostedService<LeaderElectedWorker>();

await builder.Build().RunAsync();
