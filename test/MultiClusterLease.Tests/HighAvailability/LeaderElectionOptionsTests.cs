using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using MultiClusterLease.Controller.HighAvailability;
using MultiClusterLease.Controller.Hosting;
using MultiClusterLease.Tests.Infrastructure;

namespace MultiClusterLease.Tests.HighAvailability;

public sealed class LeaderElectionOptionsTests
{
    private static LeaderElectionOptions Valid() => new() { Enabled = true, Identity = "pod-1_ab12", Namespace = "mcl-system" };

    [Fact]
    public void Defaults_AreValid() => Assert.True(new LeaderElectionOptionsValidator().Validate(null, Valid()).Succeeded);

    [Fact]
    public void Disabled_IsNotChecked() => Assert.True(new LeaderElectionOptionsValidator().Validate(null, new LeaderElectionOptions { LeaseDuration = TimeSpan.Zero }).Succeeded);

    [Theory]
    [InlineData(10, 10, 2, "--leader-election-lease-duration (10s) must be greater than --leader-election-renew-deadline (10s)")]
    [InlineData(15, 2.4, 2, "--leader-election-renew-deadline (2.4s) must be greater than 1.2 × --leader-election-retry-period (2s)")]
    [InlineData(15, 10, 0.05, "--leader-election-retry-period (0.05s) must be at least 100ms")]
    public void UnsafeTimings_AreRejected(double lease, double renew, double retry, string message)
    {
        var options = Valid();
        options.LeaseDuration = TimeSpan.FromSeconds(lease);
        options.RenewDeadline = TimeSpan.FromSeconds(renew);
        options.RetryPeriod = TimeSpan.FromSeconds(retry);
        var result = new LeaderElectionOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Controller", null)]
    [InlineData("my_lease", null)]
    [InlineData("ok", "Bad.Namespace")]
    public void InvalidNames_AreRejected(string leaseName, string? ns)
    {
        var options = Valid();
        options.LeaseName = leaseName;
        options.Namespace = ns;
        Assert.True(new LeaderElectionOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void LeaseDurationSeconds_RoundsUp() => Assert.Equal(2, new LeaderElectionOptions { LeaseDuration = TimeSpan.FromMilliseconds(1500) }.LeaseDurationSeconds);

    [Theory]
    [InlineData("15s", 15_000)]
    [InlineData("1500ms", 1_500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0.5s", 500)]
    [InlineData("1h", 3_600_000)]
    public void Durations_Parse(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("1d")]
    [InlineData("1.s")]
    public void Durations_RejectGarbage(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public async Task TheHost_RefusesToStart_WithUnsafeTimings()
    {
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("mcl-ha-").FullName, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: c, user: u, namespace: mcl-system}}]
            current-context: c
            """);
        await using var app = ControllerHost.Build(new ControllerSettings
        {
            Kubeconfig = kubeconfig,
            GcsBucket = "mcl-test",
            GcsEndpoint = new Uri("http://127.0.0.1:9"),
            HealthBindAddress = "127.0.0.1:0",
            Identity = "replica",
            LeaderElect = true,
            LeaderElectionLeaseDuration = TimeSpan.FromSeconds(5),
            LeaderElectionRenewDeadline = TimeSpan.FromSeconds(5),
            ConfigureLogging = TestLogging.Configure,
        });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("--leader-election-lease-duration (5s) must be greater than --leader-election-renew-deadline (5s)", StringComparison.Ordinal));
    }
}
