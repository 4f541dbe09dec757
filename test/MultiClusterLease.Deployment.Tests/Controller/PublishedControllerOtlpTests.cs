using System.Net;
using System.Text;
using MultiClusterLease.Deployment.Tests.Infrastructure;
using MultiClusterLease.E2E.K3s;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Kubernetes;

namespace MultiClusterLease.Deployment.Tests.Controller;

/// <summary>
/// The published controller sends its metrics over OTLP exactly when OTEL_EXPORTER_OTLP_ENDPOINT is set. Two witnesses:
/// a fake OTLP/HTTP receiver (the export interval is an hour, so what arrives is the export made when the controller
/// stops), and the exporters the meter provider lists in OpenTelemetry's self-diagnostics log (OTEL_DIAGNOSTICS.json in
/// the working directory). Without the variable the OTLP exporter would send to its default, localhost:4318, which no
/// receiver here can claim: the log is what shows it is not there.
/// </summary>
[Collection(PublishedControllerCollection.Name)]
public sealed class PublishedControllerOtlpTests(PublishedControllerFixture published) : IDisposable
{
    private const string OtlpExporter = "OpenTelemetry.Exporter.OtlpMetricExporter";
    private const string PrometheusExporter = "OpenTelemetry.Exporter.Prometheus.PrometheusExporter";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("mcl-otlp-").FullName;

    [Fact]
    public async Task With_OTEL_EXPORTER_OTLP_ENDPOINT_the_metrics_go_out_over_OTLP_http_protobuf()
    {
        using var receiver = new FakeOtlpReceiver();
        var (output, exporters) = await RunUntilSigtermAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
        });

        Assert.Contains(OtlpExporter, exporters, StringComparison.Ordinal);
        Assert.Contains(PrometheusExporter, exporters, StringComparison.Ordinal);
        var export = receiver.Requests.LastOrDefault();
        Assert.True(export is not null, $"no OTLP request arrived. Controller output:\n{output}");
        Assert.Equal(("POST", "/v1/metrics", "application/x-protobuf"), (export.Method, export.Path, export.ContentType));

        // The last export has every meter's instruments, the observable ones included, and the resource.
        var body = Encoding.UTF8.GetString(export.Body);
        foreach (var text in new[] { "multiclusterlease_controller_active", "MultiClusterLease.Controller", "multiclusterlease_kubernetes_api_errors_total", "multiclusterlease-controller", "otlp-test" })
        {
            Assert.True(body.Contains(text, StringComparison.Ordinal), $"the export does not contain '{text}'. Controller output:\n{output}");
        }
    }

    [Fact]
    public async Task Without_OTEL_EXPORTER_OTLP_ENDPOINT_there_is_no_OTLP_exporter()
    {
        using var receiver = new FakeOtlpReceiver();
        var (_, exporters) = await RunUntilSigtermAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        });

        Assert.Contains(PrometheusExporter, exporters, StringComparison.Ordinal);
        Assert.DoesNotContain(OtlpExporter, exporters, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Starts the controller in the test's directory against a sandbox API server (the controller refuses to start
    /// without a reachable one), waits until it serves, stops it; returns its output and the "Exporters added" line of
    /// the self-diagnostics log.
    /// </summary>
    private async Task<(string Output, string Exporters)> RunUntilSigtermAsync(Dictionary<string, string?> environment)
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync(new FakeKubernetesApiServerOptions
        {
            ClusterName = "otlp-test",
            CrdFiles = [Repo.Path("config", "crd", "bases", $"{MultiClusterLeaseApi.Group}_{MultiClusterLeaseApi.Plural}.yaml")],
        });
        // A few refused lists, so that the Kubernetes meter has measurements to export too.
        cluster.Faults.Add(new FaultRule { Method = "GET", PathContains = "multiclusterleases", Action = FaultAction.Error, StatusCode = 503, RemainingCount = 3 });
        var kubeconfig = Path.Combine(_directory, "sandbox.kubeconfig");
        SandboxKubeconfig.Write(kubeconfig, [("otlp-test", cluster.BaseAddress, "default")], null);
        await File.WriteAllTextAsync(Path.Combine(_directory, "OTEL_DIAGNOSTICS.json"), """{"LogDirectory": ".", "FileSize": 1024, "LogLevel": "Verbose"}""");
        var port = LoopbackPort.Free();
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = null;
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "3600000";
        string[] args = ["--gcs-bucket", "mcl-otlp-test", "--kubeconfig", kubeconfig, "--gcs-endpoint", "http://127.0.0.1:1", "--identity", "otlp-test", "--health-probe-bind-address", $"127.0.0.1:{port}"];
        await using var controller = ControllerProcess.Start(ProcessRunner.Dotnet, [published.Dll, .. args], _directory, environment);
        await controller.WaitForStatusAsync(new Uri($"http://127.0.0.1:{port}/healthz"), HttpStatusCode.OK, Patience);
        Assert.Equal(0, await controller.TerminateAsync(TimeSpan.FromSeconds(20)));

        var log = Assert.Single(Directory.GetFiles(_directory, "*.log"));
        var exporters = (await File.ReadAllTextAsync(log)).Replace("\0", "", StringComparison.Ordinal)
            .Split('\n')
            .FirstOrDefault(l => l.Contains("Exporters added", StringComparison.Ordinal));
        Assert.True(exporters is not null, $"the self-diagnostics log {log} lists no exporters");
        return (controller.Output, exporters);
    }
}
