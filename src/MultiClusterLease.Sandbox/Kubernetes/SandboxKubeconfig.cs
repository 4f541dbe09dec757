using YamlDotNet.Serialization;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>Writes kubeconfig files that point <c>kubectl</c> (or any client) at sandbox API servers.</summary>
public static class SandboxKubeconfig
{
    /// <summary>The bearer token written for every user; the sandbox servers accept any token, or none.</summary>
    public const string Token = "sandbox-token";

    /// <summary>Writes a kubeconfig with one cluster, one user and one context per entry, each named
    /// <c>ContextName</c>.</summary>
    /// <param name="path">The file to write (replaced if it exists; readable by its owner only).</param>
    /// <param name="clusters">The contexts: name, server address, default namespace.</param>
    /// <param name="currentContext">The current context; <see langword="null"/> = the first entry.</param>
    public static void Write(string path, IEnumerable<(string ContextName, Uri Server, string Namespace)> clusters, string? currentContext)
    {
        var entries = clusters.ToList();
        var config = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = entries.Select(e => new Dictionary<string, object>
            {
                ["name"] = e.ContextName,
                ["cluster"] = new Dictionary<string, object> { ["server"] = e.Server.ToString().TrimEnd('/') },
            }).ToList(),
            ["users"] = entries.Select(e => new Dictionary<string, object>
            {
                ["name"] = e.ContextName,
                ["user"] = new Dictionary<string, object> { ["token"] = Token },
            }).ToList(),
            ["contexts"] = entries.Select(e => new Dictionary<string, object>
            {
                ["name"] = e.ContextName,
                ["context"] = new Dictionary<string, object> { ["cluster"] = e.ContextName, ["user"] = e.ContextName, ["namespace"] = e.Namespace },
            }).ToList(),
            ["current-context"] = currentContext ?? (entries.Count > 0 ? entries[0].ContextName : ""),
            ["preferences"] = new Dictionary<string, object>(),
        };

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, new SerializerBuilder().Build().Serialize(config));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
