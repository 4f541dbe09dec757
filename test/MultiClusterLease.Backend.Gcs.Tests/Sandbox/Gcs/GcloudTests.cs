using System.Globalization;
using MultiClusterLease.Sandbox.Gcs;

namespace MultiClusterLease.Backend.Gcs.Tests.Sandbox.Gcs;

/// <summary>Google's CLI (<c>gcloud storage</c>) against the fake bucket. gcloud takes a second or more per command, so it is one sequence.</summary>
public sealed class GcloudTests : IAsyncLifetime
{
    private const string Bucket = "gcloud-bucket";
    private const string Url = $"gs://{Bucket}/leases/ns/lock";

    private FakeGcsServer _server = null!;

    public async Task InitializeAsync()
        => _server = await FakeGcsServer.StartAsync(new FakeGcsServerOptions { Buckets = [Bucket], EnforceWriteRateLimit = false }, CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [GcloudFact]
    public async Task Cp_Cat_Ls_Describe_Rm_WithGenerationPreconditions()
    {
        using var gcloud = new Gcloud(_server.BaseAddress);
        var first = gcloud.WriteFile("first.json", """{"holderIdentity":"a","renewTime":"2025-06-01T12:00:00Z"}""");
        var second = gcloud.WriteFile("second.json", """{"holderIdentity":"b","renewTime":"2025-06-01T12:00:05Z"}""");

        // Create only if absent: once, then 412.
        (await gcloud.RunAsync("cp", "--if-generation-match=0", first, Url)).Succeeded();
        (await gcloud.RunAsync("cp", "--if-generation-match=0", second, Url)).FailedWith412();
        var created = Generation();

        // Replace only the current generation: once, then that generation is stale.
        (await gcloud.RunAsync("cp", $"--if-generation-match={created}", second, Url)).Succeeded();
        (await gcloud.RunAsync("cp", $"--if-generation-match={created}", first, Url)).FailedWith412();
        var replaced = Generation();
        Assert.NotEqual(created, replaced);

        var cat = (await gcloud.RunAsync("cat", Url)).Succeeded();
        Assert.Equal("""{"holderIdentity":"b","renewTime":"2025-06-01T12:00:05Z"}""", cat.Stdout.Trim());

        _server.PutRaw(Bucket, "leases/ns/other", [1]);
        _server.PutRaw(Bucket, "elsewhere", [2]);
        var ls = (await gcloud.RunAsync("ls", $"gs://{Bucket}/leases/ns/")).Succeeded();
        Assert.Equal([Url, $"gs://{Bucket}/leases/ns/other"], Lines(ls.Stdout));

        var describe = (await gcloud.RunAsync("objects", "describe", Url, "--format=value(generation,md5_hash,crc32c_hash,size)")).Succeeded();
        Assert.True(_server.TryGetObject(Bucket, "leases/ns/lock", out var body, out _));
        var fields = describe.Stdout.Trim().Split('\t');
        Assert.Equal(replaced.ToString(CultureInfo.InvariantCulture), fields[0]);
        Assert.Equal(body.Length.ToString(CultureInfo.InvariantCulture), fields[3]);
        Assert.All(fields, field => Assert.NotEmpty(field));

        (await gcloud.RunAsync("rm", $"--if-generation-match={created}", Url)).FailedWith412();
        Assert.True(_server.TryGetObject(Bucket, "leases/ns/lock", out _, out _));
        (await gcloud.RunAsync("rm", $"--if-generation-match={replaced}", Url)).Succeeded();
        Assert.False(_server.TryGetObject(Bucket, "leases/ns/lock", out _, out _));
    }

    private long Generation()
    {
        Assert.True(_server.TryGetObject(Bucket, "leases/ns/lock", out _, out var generation), "the object exists");
        return generation;
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
