using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Backend.Gcs;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Controller.Observability;
using MultiClusterLease.Election.Reconciliation;
using k8s;
using MultiClusterLease.Kubernetes.Connection;
using MultiClusterLease.Kubernetes.DependencyInjection;
using MultiClusterLease.Kubernetes.Http;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>
/// Builds and runs the controller's Generic Host: Kubernetes access, the GCS backend, the election controller (run only
/// while this replica is active, see <see cref="ActiveStandbyRunner"/>), and the health port with <c>/healthz</c>,
/// <c>/readyz</c> and <c>/metrics</c>.
/// </summary>
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

        var started = false;
        try
        {
            // Fail at start-up, with the fix, on configuration errors, invalid options and an unreachable API server.
            app.Services.GetRequiredService<KubernetesClientConfiguration>();
            await app.StartAsync(cancellationToken);
            started = true;
            await KubernetesStartupCheck.RunAsync(app.Services, settings, cancellationToken);
        }
        catch (KubernetesConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            if (started)
            {
                await app.StopAsync(CancellationToken.None);
            }

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
        if (settings.ConfigureLogging is { } configureLogging)
        {
            configureLogging(builder.Logging);
        }
        else if (settings.JsonLogs)
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
        builder.Services.AddKubernetesClient(o =>
        {
            o.KubeconfigPath = settings.Kubeconfig;
            o.Context = settings.Context;
            o.UserAgent = userAgent;
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
        builder.Services.AddElectionControllerServices(o =>
        {
            o.Namespace = settings.Namespace;
            o.ControllerIdentity = settings.Identity;
        });
        AddHighAvailability(builder.Services, settings);
        builder.AddControllerMetrics(settings.Identity);
        builder.Services.AddHealthChecks()
            .AddCheck<WatchHealthCheck>("watch", tags: ["ready"])
            .AddCheck<BackendHealthCheck>("backend", tags: ["ready"])
            .Add(new HealthCheckRegistration(
                "leader-election",
                sp => new LeaderElectionHealthCheck(settings.LeaderElect ? sp.GetRequiredService<LeaseElector>() : null, sp.GetRequiredService<IOptions<LeaderElectionOptions>>().Value),
                failureStatus: null,
                tags: ["live"]));

        var app = builder.Build();

        app.MapHealthChecks("/healthz", new() { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint();
        app.MapGet("/", () => Results.Text("multiclusterlease-controller: see /healthz, /readyz and /metrics\n"));
        return app;
    }

    /// <summary>
    /// Registers the active/standby runner: with <c>--leader-elect</c> the controller reconciles only while this replica
    /// holds the coordination.k8s.io Lease; without it, always.
    /// </summary>
    private static void AddHighAvailability(IServiceCollection services, ControllerSettings settings)
    {
        // Unique per process, as client-go's hostname_uuid: two processes with one identity would both think they lead.
        var leaseIdentity = $"{settings.Identity}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
        services.AddOptions<LeaderElectionOptions>()
            .Configure(o =>
            {
                o.Enabled = settings.LeaderElect;
                o.Namespace = string.IsNullOrEmpty(settings.LeaderElectionNamespace) ? null : settings.LeaderElectionNamespace;
                o.LeaseName = settings.LeaderElectionId;
                o.Identity = leaseIdentity;
                o.LeaseDuration = settings.LeaderElectionLeaseDuration;
                o.RenewDeadline = settings.LeaderElectionRenewDeadline;
                o.RetryPeriod = settings.LeaderElectionRetryPeriod;
                o.ReleaseOnCancel = settings.LeaderElectionReleaseOnCancel;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LeaderElectionOptions>, LeaderElectionOptionsValidator>();
        services.AddSingleton(sp => new ControllerActivity(settings.LeaderElect, sp.GetService<IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LeaderElectionOptions>>().Value;
            return new LeaseElector(
                sp.GetRequiredService<IKubernetes>(),
                options.Namespace ?? sp.GetRequiredService<KubernetesClientConfiguration>().Namespace ?? "default",
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddHostedService(sp => new ActiveStandbyRunner(
            sp.GetRequiredService<ElectionController>(),
            settings.LeaderElect ? sp.GetRequiredService<LeaseElector>() : null,
            sp.GetRequiredService<ControllerActivity>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<ActiveStandbyRunner>>()));
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
}
