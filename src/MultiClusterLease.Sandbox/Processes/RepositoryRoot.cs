namespace MultiClusterLease.Sandbox.Processes;

/// <summary>Finds this repository's checkout, where the demo and the benchmark find the built controller and sample app.</summary>
public static class RepositoryRoot
{
    /// <summary>
    /// Walks up from the running application's folder to the first folder that holds <c>MultiClusterLease.sln</c>.
    /// </summary>
    /// <returns>That folder, or the current directory when the application does not run from a checkout.</returns>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MultiClusterLease.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
