using System.CommandLine;
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
    Description = "Address of /healthz and /readyz, host:port (':8081' = all interfaces).",
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

var root = new RootCommand("MultiClusterLease election controller: settles MultiClusterLease elections across clusters on a GCS lock object.")
{
    bucket, prefix, endpoint, credentials, ns, kubeconfig, context, health, logFormat, identity,
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
    };
    return ControllerHost.RunAsync(settings, cancellationToken);
});

return await root.Parse(args).InvokeAsync();
