using System.CommandLine;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Controller.Hosting;

var bucket = new Option<string>("--gcs-bucket")
{
    Description = "GCS bucket holding the global lock objects (required; shared by the controllers of every cluster).",
    Required = true,
};
var prefix = new Option<string>("--gcs-prefix")
{
    Description = "Prefix of the lock object names; objects are PREFIXleases/LOCKNAME (e.g. 'team-a/'). Default: none.",
    DefaultValueFactory = _ => "",
};
var endpoint = new Option<string?>("--gcs-endpoint")
{
    Description = "GCS JSON API endpoint override, e.g. http://127.0.0.1:4443 for an emulator. Default: STORAGE_EMULATOR_HOST if set, else https://storage.googleapis.com.",
};
var credentials = new Option<string?>("--gcs-credentials-file")
{
    Description = "Service account key file. Default: application default credentials (GOOGLE_APPLICATION_CREDENTIALS, Workload Identity, gcloud).",
};
var ns = new Option<string?>("--namespace")
{
    Description = "Namespace to watch for MultiClusterLeases. Default: all namespaces.",
};
var kubeconfig = new Option<string?>("--kubeconfig")
{
    Description = "Path to a kubeconfig. Default: KUBECONFIG, then the in-cluster service account, then ~/.kube/config.",
};
var context = new Option<string?>("--context")
{
    Description = "kubeconfig context to use. Default: current-context.",
};
var health = new Option<string>("--health-probe-bind-address")
{
    Description = "Address of /healthz, /readyz and /metrics (Prometheus text format), host:port (':8081' = all interfaces).",
    DefaultValueFactory = _ => ":8081",
};
var logFormat = new Option<string>("--log-format")
{
    Description = "Log format: text or json.",
    DefaultValueFactory = _ => "text",
};
logFormat.AcceptOnlyFromAmong("text", "json");
var identity = new Option<string>("--identity")
{
    Description = "Name of this controller instance in logs, events and User-Agent. Default: POD_NAME or the host name.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName,
};

var leaderElect = new Option<bool>("--leader-elect")
{
    Description = "Run replicas active/standby: only the replica holding the coordination.k8s.io Lease --leader-election-id reconciles; "
        + "a standby takes over within the lease duration after the active one stops. Default: false (a single replica, e.g. a local run); "
        + "the deployment manifests set --leader-elect=true.",
};
var leaderElectionNamespace = new Option<string?>("--leader-election-namespace")
{
    Description = "Namespace of the leader-election Lease. Default: the controller's own namespace in a pod, else the kubeconfig context's namespace.",
};
var leaderElectionId = new Option<string>("--leader-election-id")
{
    Description = "Name of the leader-election Lease.",
    DefaultValueFactory = _ => LeaderElectionOptions.DefaultLeaseName,
};
var leaseDuration = DurationOption("--leader-election-lease-duration", "15s", "How long a standby waits without seeing the Lease renewed before it takes over.");
var renewDeadline = DurationOption("--leader-election-renew-deadline", "10s", "How long the active replica keeps reconciling without a successful renewal; then it stops at once. Less than the lease duration.");
var retryPeriod = DurationOption("--leader-election-retry-period", "2s", "How often the active replica renews the Lease.");

var root = new RootCommand("MultiClusterLease election controller: settles MultiClusterLease elections across clusters on a GCS lock object.")
{
    bucket, prefix, endpoint, credentials, ns, kubeconfig, context, health, logFormat, identity,
    leaderElect, leaderElectionNamespace, leaderElectionId, leaseDuration, renewDeadline, retryPeriod,
};

endpoint.Validators.Add(result =>
{
    var text = result.GetValueOrDefault<string?>();
    if (text is not null && (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
    {
        result.AddError($"--gcs-endpoint '{text}' must be an absolute http(s) URL, e.g. http://127.0.0.1:4443");
    }
});

root.SetAction((parse, cancellationToken) =>
{
    var settings = new ControllerSettings
    {
        GcsBucket = parse.GetValue(bucket)!,
        GcsPrefix = parse.GetValue(prefix) ?? "",
        GcsEndpoint = parse.GetValue(endpoint) is { } url ? new Uri(url) : null,
        GcsCredentialsFile = parse.GetValue(credentials),
        Namespace = parse.GetValue(ns),
        Kubeconfig = parse.GetValue(kubeconfig),
        Context = parse.GetValue(context),
        HealthBindAddress = parse.GetValue(health)!,
        JsonLogs = parse.GetValue(logFormat) == "json",
        Identity = parse.GetValue(identity)!,
        LeaderElect = parse.GetValue(leaderElect),
        LeaderElectionNamespace = parse.GetValue(leaderElectionNamespace),
        LeaderElectionId = parse.GetValue(leaderElectionId)!,
        LeaderElectionLeaseDuration = Duration(parse.GetValue(leaseDuration)),
        LeaderElectionRenewDeadline = Duration(parse.GetValue(renewDeadline)),
        LeaderElectionRetryPeriod = Duration(parse.GetValue(retryPeriod)),
    };
    return ControllerHost.RunAsync(settings, cancellationToken);
});

return await root.Parse(args).InvokeAsync();

static Option<string> DurationOption(string name, string defaultValue, string description)
{
    var option = new Option<string>(name)
    {
        Description = $"{description} A duration such as 15s, 1500ms or 1m30s.",
        DefaultValueFactory = _ => defaultValue,
    };
    option.Validators.Add(result =>
    {
        var text = result.GetValueOrDefault<string>();
        if (!Durations.TryParse(text, out var value) || value <= TimeSpan.Zero)
        {
            result.AddError($"{name} '{text}' must be a positive duration such as 15s, 1500ms or 1m30s");
        }
    });
    return option;
}

static TimeSpan Duration(string? text) => Durations.TryParse(text, out var value) ? value : TimeSpan.Zero;
