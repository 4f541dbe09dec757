// A KubeOps operator that runs its controllers in one replica across all clusters, not just one per cluster.
// KubeOps elects its leader with the official client's LeaderElector, built by an ILeaderElectorFactory; replacing
// the factory with MultiClusterLeaderElectorFactory is the whole integration. The rest of the operator is unchanged.
//
// Written for KubeOps 10 and later (LeaderElectionType); with KubeOps 9, set `settings.EnableLeaderElection = true`.
using KubeOps.Abstractions.Builder;
using KubeOps.Operator;
using KubeOps.Operator.LeaderElection;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MultiClusterLease.KubeOpsSample;

var builder = Host.CreateApplicationBuilder(args);

builder.Services
    .AddKubernetesOperator(settings =>
    {
        settings.Name = "my-operator";
        settings.LeaderElectionType = LeaderElectionType.Single;
        // Also the MultiClusterLease's timings: LeaseDuration > RenewDeadline + 2 × RetryPeriod, RetryPeriod ≥ 2 s.
        settings.LeaderElectionLeaseDuration = TimeSpan.FromSeconds(15);
        settings.LeaderElectionRenewDeadline = TimeSpan.FromSeconds(10);
        settings.LeaderElectionRetryPeriod = TimeSpan.FromSeconds(2);
    });
// .AddController<MyController, MyEntity>() ... as usual.

// The official client of this cluster (KubeOps registers one too; the lock uses whichever is registered).
builder.Services.TryAddSingleton(_ => KubernetesClientConfiguration.BuildDefaultConfig());
builder.Services.TryAddSingleton<IKubernetes>(sp => new Kubernetes(sp.GetRequiredService<KubernetesClientConfiguration>()));

// KubeOps registers its factory (a LeaseLock in this cluster) with TryAdd; replace it.
builder.Services.Replace(ServiceDescriptor.Singleton<ILeaderElectorFactory, MultiClusterLeaderElectorFactory>());

await builder.Build().RunAsync();
