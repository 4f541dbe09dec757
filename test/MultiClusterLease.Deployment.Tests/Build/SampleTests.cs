using System.Xml.Linq;
using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Build;

/// <summary>The integration samples are in the build, hold the README's snippets, and the KubeOps stand-in stays in the samples.</summary>
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

    [Fact]
    public void Readme_snippets_are_lines_of_the_samples_verbatim()
    {
        // The samples build against KubernetesClient 21 in every build; so do the README's snippets, line for line.
        var sampleLines = Directory.EnumerateFiles(Repo.Path("samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/Stubs/", StringComparison.Ordinal))
            .SelectMany(File.ReadAllLines)
            .Select(l => l.Trim())
            .ToHashSet(StringComparer.Ordinal);
        var snippets = System.Text.RegularExpressions.Regex.Matches(Repo.Read("README.md"), "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.NotEmpty(snippets);
        var missing = snippets.SelectMany(m => m.Groups[1].Value.Split('\n'))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !sampleLines.Contains(l))
            .ToList();
        Assert.True(missing.Count == 0, "README lines not in any sample:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void The_LeaderElector_sample_builds_against_the_real_KubernetesClient()
    {
        var project = Repo.Read("samples/MultiClusterLease.LeaderElectorSample/MultiClusterLease.LeaderElectorSample.csproj");
        Assert.DoesNotContain("Stubs.props", project, StringComparison.Ordinal);
        Assert.Contains("<PackageReference Include=\"KubernetesClient\" />", project, StringComparison.Ordinal);
        Assert.False(File.Exists(Repo.Path("samples", "Stubs", "KubernetesClient.LeaderElector.StandIn.cs")));
    }
}
