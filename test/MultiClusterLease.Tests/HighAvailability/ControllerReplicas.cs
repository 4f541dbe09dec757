using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Controller.Hosting;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Tests.Infrastructure;

namespace MultiClusterLease.Tests.HighAvailability;

/// <summary>
/// Whole controller processes, in-process: each replica is the real <see cref="ControllerHost"/> (flags → host, health
/// port with /healthz, /readyz and /metrics) against one sandbox cluster and the sandbox bucket.
/// </summary>
internal sealed class ControllerReplicas(SandboxEnvironment sandbox) : IAsyncDisposable
{
    /// <summary>Short controller-lease timings: 4 s lease, 2.5 s renew deadline, 0.5 s retry period.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(2.5);
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(0.5);

    private readonly List<ControllerReplica> _replicas = [];

    public async Task<ControllerReplica> StartAsync(string cluster, string identity, bool leaderElect = true, bool releaseOnStop = true)
    {
        var settings = new ControllerSettings
        {
            GcsBucket = sandbox.Bucket,
            GcsEndpoint = sandbox.Gcs.BaseAddress,
            Kubeconfig = sandbox.KubeconfigPath,
            Context = cluster,
            Namespace = ElectionHarness.Namespace,
            HealthBindAddress = "127.0.0.1:0",
            Identity = identity,
            LeaderElect = leaderElect,
            LeaderElectionLeaseDuration = LeaseDuration,
            LeaderElectionRenewDeadline = RenewDeadline,
            LeaderElectionRetryPeriod = RetryPeriod,
            LeaderElectionReleaseOnCancel = releaseOnStop,
            ConfigureLogging = TestLogging.Configure,
        };
        var app = ControllerHost.Build(settings);
        await app.StartAsync();
        var replica = new ControllerReplica(identity, cluster, app);
        _replicas.Add(replica);
        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.StopAsync();
        }
    }
}

internal sealed class ControllerReplica(string identity, string cluster, WebApplication app)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private bool _stopped;

    public string Identity { get; } = identity;

    public string Cluster { get; } = cluster;

    public Uri BaseAddress { get; } = new(app.Urls.First());

    /// <summary>Gets whether this replica runs its election controller now.</summary>
    public bool IsReconciling => !_stopped && app.Services.GetRequiredService<ElectionController>().IsRunning;

    public bool IsActive => !_stopped && app.Services.GetRequiredService<ControllerActivity>().IsActive;

    public ElectionController Controller => app.Services.GetRequiredService<ElectionController>();

    public string LeaseIdentity => app.Services.GetRequiredService<LeaseElector>().Identity;

    public async Task<(int Status, string Body)> GetAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, path));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<string> MetricsAsync()
    {
        using var response = await Http.GetAsync(new Uri(BaseAddress, "/metrics"));
        response.EnsureSuccessStatusCode();
        // The Prometheus text format 0.0.4, what a client asking for nothing in particular gets.
        var contentType = response.Content.Headers.ContentType;
        Assert.Equal("text/plain", contentType?.MediaType);
        Assert.Contains(contentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Stops the host; with releaseOnStop false this is a crash: no release, no further request.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Reads the controller's coordination.k8s.io Lease from the sandbox.</summary>
    public static (string Holder, int Transitions)? ControllerLease(SandboxEnvironment sandbox, string cluster)
    {
        var lease = sandbox.Cluster(cluster).GetObject("coordination.k8s.io", "v1", "leases", ElectionHarness.Namespace, LeaderElectionOptions.DefaultLeaseName);
        return lease?["spec"] is JsonObject spec
            ? (spec["holderIdentity"]?.GetValue<string>() ?? "", spec["leaseTransitions"]?.GetValue<int>() ?? 0)
            : null;
    }
}
