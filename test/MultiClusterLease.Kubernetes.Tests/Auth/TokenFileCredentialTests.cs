using System.Net;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Kubernetes.Api.Meta;
using MultiClusterLease.Kubernetes.Client;
using MultiClusterLease.Kubernetes.Config;
using MultiClusterLease.Kubernetes.Tests.TestSupport;

namespace MultiClusterLease.Kubernetes.Tests.Auth;

public sealed class TokenFileCredentialTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task In_cluster_token_is_re_read_after_a_minute_not_before()
    {
        var tokenFile = dir.Write("token", "first\n");
        var handler = new FakeHttpHandler();
        using var client = new KubernetesApiClient(KubernetesClientConfiguration.InCluster("10.0.0.1", "443", dir.Path), null, time, null, handler);

        await ListAsync(client);
        File.WriteAllText(tokenFile, "second");
        time.Advance(TimeSpan.FromSeconds(59));
        await ListAsync(client);
        time.Advance(TimeSpan.FromSeconds(2));
        await ListAsync(client);

        Assert.Equal(["Bearer first", "Bearer first", "Bearer second"], handler.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task A_401_re_reads_the_token_file_at_once_and_retries_once_with_the_new_token()
    {
        var tokenFile = dir.Write("token", "old");
        var accepted = "Bearer old";
        var handler = new FakeHttpHandler((request, _) => Task.FromResult(request.Authorization == accepted
            ? FakeHttpHandler.Json(HttpStatusCode.OK, "{}")
            : FakeHttpHandler.Json(HttpStatusCode.Unauthorized, """{"kind":"Status","reason":"Unauthorized","code":401}""")));
        using var client = new KubernetesApiClient(KubernetesClientConfiguration.InCluster("10.0.0.1", "443", dir.Path), null, time, null, handler);

        await ListAsync(client);
        File.WriteAllText(tokenFile, "new"); // the kubelet rotated the token and the old one was revoked
        accepted = "Bearer new";
        await ListAsync(client); // within the minute: sends the cached old token first

        Assert.Equal(["Bearer old", "Bearer old", "Bearer new"], handler.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task A_401_with_an_unchanged_token_is_not_retried()
    {
        dir.Write("token", "same");
        var handler = new FakeHttpHandler((_, _) => Task.FromResult(FakeHttpHandler.Json(HttpStatusCode.Unauthorized, """{"reason":"Unauthorized","code":401}""")));
        using var client = new KubernetesApiClient(KubernetesClientConfiguration.InCluster("10.0.0.1", "443", dir.Path), null, time, null, handler);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => ListAsync(client));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Single(handler.Requests);
    }

    private static Task<KubernetesList<Api.V1Alpha1.MultiClusterLease>> ListAsync(KubernetesApiClient client)
        => client.ListAsync<Api.V1Alpha1.MultiClusterLease>(ResourceType.MultiClusterLeases, "ns");
}
