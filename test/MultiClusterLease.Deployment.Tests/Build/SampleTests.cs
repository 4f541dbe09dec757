using System.Xml.Linq;
using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Build;

/// <summary>The integration samples are in the build, and the stand-ins they compile against stay in the samples.</summary>
public sealed class SampleTests
{
    [Theory]
    [InlineData("samples/MultiClusterLease.LeaderElectorSample/MultiClusterLease.LeaderElectorSample.csproj")]
    [InlineData("samples/MultiClusterLease.KubeOpsSample/MultiClusterLease.KubeOpsSample.csproj")]
    public void Sample_is_in_the_solution_and_never_packed(string project)
    {
        Assert.Contains(project.Replace('/', '\\'), Repo.Read("MultiClusterLease.sln"), StringComparison.Ordinal);
        var properties = XDocument.Load(Repo.Path(project)).Descendants("IsPackable").Select(e => e.Value);
        Assert.Equal(["false"], properties);
    }

    [Fact]
    public void Stand_ins_are_imported_by_samples_only()
    {
        var importers = Directory.EnumerateFiles(Repo.Root, "*.*proj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repo.Root, "*.props", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Repo.Root, "*.targets", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("Stubs.props", StringComparison.Ordinal) || File.ReadAllText(f).Contains("StandIn.cs", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repo.Root, f))
            .ToList();
        Assert.NotEmpty(importers);
        Assert.All(importers, f => Assert.StartsWith("samples/", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Stand_ins_are_internal_and_marked()
    {
        foreach (var file in Directory.GetFiles(Repo.Path("samples", "Stubs"), "*.cs"))
        {
            var text = File.ReadAllText(file);
            Assert.StartsWith("// STAND-IN, FOR COMPILING THE SAMPLES ONLY.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("public class", text, StringComparison.Ordinal);
            Assert.DoesNotContain("public interface", text, StringComparison.Ordinal);
            Assert.DoesNotContain("public static class", text, StringComparison.Ordinal);
        }
    }
}
