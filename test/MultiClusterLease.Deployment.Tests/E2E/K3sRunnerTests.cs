using System.Diagnostics;
using MultiClusterLease.Deployment.Tests.Infrastructure;
using MultiClusterLease.E2E.K3s;

namespace MultiClusterLease.Deployment.Tests.E2E;

/// <summary>
/// make test-e2e's runner (test/e2e/MultiClusterLease.E2E.K3s) where no Docker engine answers: it stops at once, before
/// starting anything, and names every missing piece with its fix. DOCKER_HOST points at a socket that does not exist,
/// so this holds on machines with a Docker engine too.
/// </summary>
public sealed class K3sRunnerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcl-e2e-k3s-test-").FullName;

    private string Runner => typeof(E2ERunSettings).Assembly.Location;

    private string NoDocker => $"unix://{_directory}/no-docker.sock";

    [Fact]
    public async Task Without_a_Docker_engine_a_bucket_or_credentials_it_stops_at_once_and_says_what_is_missing()
    {
        var missingKey = Path.Combine(_directory, "missing-key.json");
        var started = Stopwatch.StartNew();
        var result = await RunAsync(["single"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = NoDocker,
            ["E2E_GCS_BUCKET"] = null,
            ["GOOGLE_APPLICATION_CREDENTIALS"] = missingKey,
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: make test-e2e cannot run; missing:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"a Docker engine at DOCKER_HOST={NoDocker}: it does not answer", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("E2E_GCS_BUCKET: the name of a real GCS bucket", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"GOOGLE_APPLICATION_CREDENTIALS={missingKey}: no such file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("==>", result.Stdout, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the checks took {started.Elapsed}");
    }

    [Fact]
    public async Task The_check_of_the_multi_mode_names_its_target_and_needs_no_build()
    {
        var result = await RunAsync(["check", "multi"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = NoDocker,
            ["E2E_GCS_BUCKET"] = "my-leases",
            ["CONFIGURATION"] = "NoSuchConfiguration",
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: make test-e2e-multi cannot run; missing:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("E2E_GCS_BUCKET", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("the controller is not built", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("triple")]
    [InlineData("single", "multi")]
    public async Task An_unknown_mode_is_refused(params string[] args)
    {
        var result = await RunAsync(args, new Dictionary<string, string?> { ["DOCKER_HOST"] = NoDocker });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[check] single|multi", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_default_to_a_prefix_of_the_run_the_documented_image_and_Debug()
    {
        var settings = E2ERunSettings.Parse(["multi"], name => name == "E2E_GCS_BUCKET" ? "my-leases" : null, "1201231500-ab12", out var errors);

        Assert.Empty(errors);
        Assert.Equal(new E2ERunSettings(2, "my-leases", "e2e-1201231500-ab12/", E2ERunSettings.DefaultK3sImage, "Debug", "1201231500-ab12"), settings);
    }

    [Fact]
    public void Settings_take_prefix_image_and_configuration_from_the_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["E2E_GCS_BUCKET"] = "b-1",
            ["E2E_GCS_PREFIX"] = "",
            ["E2E_K3S_IMAGE"] = "rancher/k3s:v1.31.4-k3s1",
            ["CONFIGURATION"] = "Release",
        };
        var settings = E2ERunSettings.Parse(["single"], environment.GetValueOrDefault, "run", out var errors);

        Assert.Empty(errors);
        Assert.Equal((1, "", "rancher/k3s:v1.31.4-k3s1", "Release"), (settings!.ClusterCount, settings.Prefix, settings.K3sImage, settings.Configuration));
    }

    [Fact]
    public void Kubeconfigs_of_K3s_get_names_of_their_own_so_that_two_merge()
    {
        const string k3s = """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: LS0t
                server: https://127.0.0.1:32768/
              name: default
            contexts:
            - context:
                cluster: default
                user: default
              name: default
            current-context: default
            kind: Config
            preferences: {}
            users:
            - name: default
              user:
                client-certificate-data: LS0t
                client-key-data: LS0t
            """;

        var renamed = K3sClusters.Rename(k3s, "mcl-e2e-2");

        Assert.DoesNotContain("default", renamed, StringComparison.Ordinal);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Count(renamed, "mcl-e2e-2"));
        Assert.Contains("server: https://127.0.0.1:32768/", renamed, StringComparison.Ordinal);
        Assert.Contains("current-context: mcl-e2e-2", renamed, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<ProcessResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?> environment)
        => await ProcessRunner.RunAsync(ProcessRunner.Dotnet, [Runner, .. args], TimeSpan.FromMinutes(1), environment: environment);
}
