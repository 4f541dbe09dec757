using System.Text.Json;
using System.Xml.Linq;
using MultiClusterLease.Deployment.Tests.Infrastructure;

namespace MultiClusterLease.Deployment.Tests.Build;

/// <summary>The Dockerfile, read without Docker: it publishes as `make publish` does and runs chiseled, non-root.</summary>
public sealed class DockerfileTests
{
    [Fact]
    public void Image_publishes_with_the_flags_of_make_publish()
        => Assert.Equal(BuildFiles.MakefilePublishFlags(), BuildFiles.DockerfilePublishFlags());

    [Fact]
    public void Runtime_stage_is_chiseled_non_root_and_needs_no_shell()
    {
        var instructions = BuildFiles.DockerfileInstructions();
        var lastFrom = instructions.Select((i, index) => (i, index)).Last(x => x.i.Instruction == "FROM").index;
        var runtime = instructions.Skip(lastFrom).ToList();
        Assert.Contains("-chiseled", runtime[0].Arguments, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", runtime[0].Arguments, StringComparison.Ordinal);

        // No RUN (a chiseled image has no shell), a non-root user, an exec-form entry point.
        Assert.DoesNotContain(runtime, i => i.Instruction == "RUN");
        var user = Assert.Single(runtime, i => i.Instruction == "USER").Arguments;
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime, i => i.Instruction == "ENTRYPOINT").Arguments) ?? [];
        Assert.Equal(["dotnet", "MultiClusterLease.Controller.dll"], entrypoint);
        Assert.Contains(runtime, i => i.Instruction == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
    }

    [Fact]
    public void Restore_layer_copies_every_project_the_controller_references()
    {
        var instructions = BuildFiles.DockerfileInstructions().ToList();
        var restore = instructions.FindIndex(i => i.Instruction == "RUN" && i.Arguments.StartsWith("dotnet restore ", StringComparison.Ordinal));
        Assert.True(restore > 0, "the Dockerfile restores in a layer of its own");
        var copied = instructions.Take(restore)
            .Where(i => i.Instruction == "COPY")
            .SelectMany(i => BuildFiles.Split(i.Arguments).SkipLast(1))
            .ToHashSet(StringComparer.Ordinal);

        foreach (var project in ProjectClosure(BuildFiles.ControllerProject))
        {
            Assert.Contains(project, copied);
        }

        // The build inputs that sit beside the projects.
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
        {
            Assert.Contains(file, copied);
        }
    }

    [Fact]
    public void Build_context_excludes_build_output_and_keeps_the_build_inputs()
    {
        var lines = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal("*", lines[0]);
        foreach (var input in new[] { "!global.json", "!Directory.Build.props", "!Directory.Packages.props", "!.editorconfig", "!src/" })
        {
            Assert.Contains(input, lines);
        }

        // Re-excluded after src/ is allowed back, so that they win.
        Assert.True(lines.IndexOf("**/bin/") > lines.IndexOf("!src/"));
        Assert.True(lines.IndexOf("**/obj/") > lines.IndexOf("!src/"));
    }

    /// <summary>A project and every project it references, transitively, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(Repo.Path(current))!;
            foreach (var reference in XDocument.Load(Repo.Path(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }
}
