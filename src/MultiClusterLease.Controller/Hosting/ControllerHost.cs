using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.DependencyInjection;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>Builds and runs the controller's Generic Host: Kubernetes access, the GCS backend, the election controller and health endpoints.</summary>
internal static class ControllerHost
{
    public static async Task<int> RunAsync(ControllerSettings settings, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = Build(settings);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        try
        {
            // Fail at start-up, with the fix, on configuration errors.
            app.Services.GetRequiredService<KubernetesClientConfiguration>();
            await app.StartAsync(cancellationToken);
        }
        catch (KubernetesConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {string.Join("; ", ex.Failures)}");
            return 2;
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    public static WebApplication Build(ControllerSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (settings.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "O");
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.WebHost.UseUrls(ToUrl(settings.HealthBindAddress));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var userAgent = $"multiclusterlease-controller/0.1 ({settings.Identity})";
        builder.Services.AddKubernetesApi(o =>
        {
            o.KubeconfigPath = settings.Kubeconfig;
            o.Context = settings.Context;
            o.UserAgent = userAgent;
            o.FieldManager = "multiclusterlease-controller";
            o.EventSourceComponent = "multiclusterlease-controller";
        });
        builder.Services.AddGcsLockBackend(o =>
        {
            o.Bucket = settings.GcsBucket;
            o.Prefix = settings.GcsPrefix;
            o.Endpoint = settings.GcsEndpoint;
            o.CredentialsFile = settings.GcsCredentialsFile;
            o.UserAgent = userAgent;
        });
        builder.Services.AddElectionController(o =>
        {
            o.Namespace = settings.Namespace;
            o.ControllerIdentity = settings.Identity;
        });
        builder.Services.AddHealthChecks()
            .AddCheck<WatchHealthCheck>("watch", tags: ["ready"])
            .AddCheck<BackendHealthCheck>("backend", tags: ["ready"]);

        var app = builder.Build();
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapGet("/", () => Results.Text("multiclusterlease-controller: see /healthz and /readyz\n"));
        return app;
    }

    /// <summary>Turns <c>:8081</c> or <c>host:port</c> into a Kestrel URL.</summary>
    /// <exception cref="ArgumentException">The address is not host:port.</exception>
    internal static string ToUrl(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"--health-probe-bind-address '{address}' must be host:port or :port, e.g. ':8081' or '127.0.0.1:8081'");
        }

        var host = address[..colon];
        return $"http://{(host.Length == 0 ? "0.0.0.0" : host)}:{port}";
    }

    private sealed class WatchHealthCheck(ElectionController controller) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(controller.WatchConnected
                ? HealthCheckResult.Healthy("watching MultiClusterLeases")
                : HealthCheckResult.Unhealthy("the MultiClusterLease watch is not connected"));
    }

    private sealed class BackendHealthCheck(ElectionController controller) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(controller.BackendHealthy
                ? HealthCheckResult.Healthy("the lock backend answers")
                : HealthCheckResult.Unhealthy("the lock backend failed for at least one lease; see the BackendHealthy conditions"));
    }
}
