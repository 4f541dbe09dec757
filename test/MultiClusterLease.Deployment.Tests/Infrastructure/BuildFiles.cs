using System.Text.RegularExpressions;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>Reads the Makefile and the Dockerfile.</summary>
internal static partial class BuildFiles
{
    public const string ControllerProject = "src/MultiClusterLease.Controller/MultiClusterLease.Controller.csproj";

    /// <summary>Gets the Makefile's PUBLISH_FLAGS, the flags of `make publish`.</summary>
    public static IReadOnlyList<string> MakefilePublishFlags()
    {
        var match = PublishFlagsLine().Match(Repo.Read("Makefile"));
        Assert.True(match.Success, "the Makefile defines no PUBLISH_FLAGS");
        return Split(match.Groups[1].Value);
    }

    /// <summary>Gets the Dockerfile's instructions, continuation lines joined, comments dropped.</summary>
    public static IReadOnlyList<(string Instruction, string Arguments)> DockerfileInstructions()
    {
        var text = DockerfileContinuation().Replace(Repo.Read("Dockerfile"), " ");
        return text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var space = l.IndexOf(' ', StringComparison.Ordinal);
                return space < 0 ? (l.ToUpperInvariant(), "") : (l[..space].ToUpperInvariant(), l[(space + 1)..].Trim());
            })
            .ToList();
    }

    /// <summary>Gets the flags of the Dockerfile's <c>dotnet publish</c>, without the project, output and restore switches.</summary>
    public static IReadOnlyList<string> DockerfilePublishFlags()
    {
        var run = Assert.Single(DockerfileInstructions(), i => i.Instruction == "RUN" && i.Arguments.StartsWith("dotnet publish ", StringComparison.Ordinal));
        var tokens = Split(run.Arguments).Skip(2).ToList();
        var flags = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            switch (tokens[i])
            {
                case "-o" or "--output":
                    i++;
                    break;
                case "--no-restore":
                case ControllerProject:
                    break;
                default:
                    flags.Add(tokens[i]);
                    break;
            }
        }

        return flags;
    }

    public static IReadOnlyList<string> Split(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^PUBLISH_FLAGS\s*:?=\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex PublishFlagsLine();

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex DockerfileContinuation();
}
