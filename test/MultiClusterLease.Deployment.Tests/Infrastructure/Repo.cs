using System.Reflection;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>Where the repository is, and the build configuration these tests were built in.</summary>
internal static class Repo
{
    private static readonly Dictionary<string, string?> Metadata = typeof(Repo).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    /// <summary>Gets the repository's root folder.</summary>
    public static string Root { get; } = Metadata["RepositoryRoot"]!.TrimEnd('/');

    /// <summary>Gets the build configuration (Debug, Release) of this test assembly and, so, of the controller.</summary>
    public static string Configuration { get; } = Metadata["Configuration"]!;

    /// <summary>Gets a path inside the repository.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Reads a file of the repository.</summary>
    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));
}
