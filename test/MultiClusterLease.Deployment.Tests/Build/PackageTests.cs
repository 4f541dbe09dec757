using System.IO.Compression;
using System.Xml.Linq;
using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Build;

/// <summary>The client library's NuGet package, packed once from this build (dotnet pack no-build).</summary>
public sealed class ClientPackage : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcl-pack-").FullName;

    public XElement Metadata { get; private set; } = null!;

    public IReadOnlyList<string> Entries { get; private set; } = [];

    public async Task InitializeAsync()
    {
        (await ProcessRunner.RunAsync(
            ProcessRunner.Dotnet,
            ["pack", "src/MultiClusterLease.Client/MultiClusterLease.Client.csproj", "--no-build", "-c", Repo.Configuration, "-o", _directory, $"-p:NuspecOutputPath={Path.Combine(_directory, "nuspec")}", "-nodeReuse:false"],
            TimeSpan.FromMinutes(2))).Succeeded();
        var package = Assert.Single(Directory.GetFiles(_directory, "MultiClusterLease.Client.*.nupkg"));
        using var zip = ZipFile.OpenRead(package);
        Entries = zip.Entries.Select(e => e.FullName).ToList();
        await using var nuspec = zip.GetEntry("MultiClusterLease.Client.nuspec")!.Open();
        Metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The client package declares the official KubernetesClient and ships only the client.</summary>
public sealed class PackageTests(ClientPackage package) : IClassFixture<ClientPackage>
{
    private IReadOnlyList<string> Entries => package.Entries;

    private XElement Metadata => package.Metadata;

    [Fact]
    public void Declares_a_dependency_on_the_official_KubernetesClient()
    {
        var dependencies = Dependencies();
        Assert.True(dependencies.TryGetValue("KubernetesClient", out var version), $"no KubernetesClient dependency: {string.Join(", ", dependencies.Keys)}");

        // The range the library is built and tested with (README, "Compatibility"): 21.x, not the next major.
        Assert.Equal("[21.0.8, 22.0.0)", version);
        Assert.Contains("MultiClusterLease.Kubernetes", dependencies.Keys);
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions", dependencies.Keys);
    }

    [Fact]
    public void Ships_the_client_but_not_KubernetesClient_itself()
    {
        Assert.Contains("lib/net10.0/MultiClusterLease.Client.dll", Entries);
        Assert.Contains("lib/net10.0/MultiClusterLease.Client.xml", Entries);
        Assert.DoesNotContain(Entries, e => e.EndsWith("KubernetesClient.dll", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && !e.StartsWith("lib/net10.0/MultiClusterLease.Client.", StringComparison.Ordinal));
    }

    [Fact]
    public void Has_the_metadata_of_a_published_package()
    {
        Assert.Equal("MultiClusterLease.Client", Element("id"));
        Assert.Equal("Apache-2.0", Element("license"));
        Assert.False(string.IsNullOrWhiteSpace(Element("description")));
        Assert.Contains("kubernetes", Element("tags"), StringComparison.Ordinal);
    }

    private string Element(string name) => Metadata.Elements().Single(e => e.Name.LocalName == name).Value;

    private Dictionary<string, string> Dependencies()
        => Metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value, StringComparer.Ordinal);
}
