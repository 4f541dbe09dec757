using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.Auth;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the plugin is a bash script
public sealed class ExecCredentialTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ExecCredentialTests()
    {
        // The plugin counts its runs in a file, records its arguments, environment and KUBERNETES_EXEC_INFO, and
        // prints token "tok-N" expiring at $EXPIRY.
        var script = dir.Write("bin/plugin", """
            #!/usr/bin/env bash
            set -eu
            dir="$(cd "$(dirname "$0")" && pwd)"
            n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$dir/count"
            echo "$*" > "$dir/args"
            echo "$GREETING" > "$dir/env"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info"
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}\n' "$n" "$EXPIRY"
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private int Runs => File.Exists(Path.Combine(dir.Path, "bin", "count")) ? int.Parse(File.ReadAllText(Path.Combine(dir.Path, "bin", "count")).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Runs_the_plugin_once_caches_the_token_until_shortly_before_expiry_then_runs_it_again()
    {
        var handler = new FakeHttpHandler();
        using var client = new KubernetesApiClient(Config("2030-01-01T01:00:00Z"), null, time, null, handler);

        await GetAsync(client);
        await GetAsync(client);
        time.Advance(TimeSpan.FromMinutes(59)); // 60 s before expiry: still cached
        await GetAsync(client);
        time.Advance(TimeSpan.FromSeconds(55)); // 5 s before expiry: inside the margin
        await GetAsync(client);

        Assert.Equal(["Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"], handler.Requests.Select(r => r.Authorization));
        Assert.Equal(2, Runs);
        Assert.Equal("--verbose x", File.ReadAllText(Path.Combine(dir.Path, "bin", "args")).Trim());
        Assert.Equal("hello", File.ReadAllText(Path.Combine(dir.Path, "bin", "env")).Trim());
    }

    [Fact]
    public async Task Passes_the_ExecCredential_spec_with_cluster_info_in_KUBERNETES_EXEC_INFO()
    {
        using var client = new KubernetesApiClient(Config("2030-01-01T01:00:00Z"), null, time, null, new FakeHttpHandler());

        await GetAsync(client);

        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "bin", "exec-info")));
        var root = info.RootElement;
        Assert.Equal("client.authentication.k8s.io/v1", root.GetProperty("apiVersion").GetString());
        Assert.Equal("ExecCredential", root.GetProperty("kind").GetString());
        Assert.False(root.GetProperty("spec").GetProperty("interactive").GetBoolean());
        Assert.Equal("https://k.example:6443", root.GetProperty("spec").GetProperty("cluster").GetProperty("server").GetString());
        Assert.Equal("api.internal", root.GetProperty("spec").GetProperty("cluster").GetProperty("tls-server-name").GetString());
    }

    [Fact]
    public async Task A_401_runs_the_plugin_again_and_retries_once()
    {
        var handler = new FakeHttpHandler((request, _) => Task.FromResult(
            request.Authorization == "Bearer tok-1" ? FakeHttpHandler.Json(HttpStatusCode.Unauthorized, "{}") : FakeHttpHandler.Json(HttpStatusCode.OK, "{}")));
        using var client = new KubernetesApiClient(Config("2030-01-01T01:00:00Z"), null, time, null, handler);

        await GetAsync(client);

        Assert.Equal(["Bearer tok-1", "Bearer tok-2"], handler.Requests.Select(r => r.Authorization));
        Assert.Equal(2, Runs);
    }

    [Fact]
    public async Task A_failing_plugin_surfaces_as_HttpRequestException_with_its_stderr()
    {
        var failing = dir.Write("bin/failing", "#!/usr/bin/env bash\necho 'login required' >&2\nexit 3\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = new KubernetesClientConfiguration
        {
            Server = new Uri("https://k.example:6443"),
            Exec = new ExecCredentialSettings { ApiVersion = "client.authentication.k8s.io/v1beta1", Command = failing },
        };
        using var client = new KubernetesApiClient(config, null, time, null, new FakeHttpHandler());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(client));

        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("login required", error.Message, StringComparison.Ordinal);
    }

    private KubernetesClientConfiguration Config(string expiry)
    {
        var path = dir.Write("config", $$"""
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://k.example:6443", tls-server-name: api.internal}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: bin/plugin
                  args: [--verbose, x]
                  env:
                  - {name: GREETING, value: hello}
                  - {name: EXPIRY, value: "{{expiry}}"}
                  provideClusterInfo: true
                  interactiveMode: Never
            contexts:
            - name: c
              context: {cluster: k, user: u}
            """);
        return KubernetesClientConfiguration.FromKubeconfig(path);
    }

    private static Task<Api.V1Alpha1.MultiClusterLease> GetAsync(KubernetesApiClient client)
        => client.GetAsync<Api.V1Alpha1.MultiClusterLease>(ResourceType.MultiClusterLeases, "ns", "x");
}
