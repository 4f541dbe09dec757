namespace MultiClusterLease.E2E.Tests;

/// <summary>
/// Where the scenarios run, from the environment:
/// <list type="bullet">
/// <item><c>E2E_CONTEXTS</c>: comma-separated kubeconfig contexts (from <c>KUBECONFIG</c> or <c>~/.kube/config</c>) of real
/// clusters where the controller is deployed. The first two are used; with one, two namespaces of that cluster stand
/// for two clusters (both contend for the same global lock).</item>
/// <item><c>E2E_GCS_BUCKET</c> (required with contexts): the bucket the deployed controllers use; the tests read the lock
/// objects there. <c>E2E_GCS_PREFIX</c>: their <c>--gcs-prefix</c>, if any.</item>
/// <item><c>GOOGLE_APPLICATION_CREDENTIALS</c>: a key file that may read the bucket; unset = Application Default Credentials.</item>
/// </list>
/// With none of them set, the scenarios run on the sandbox.
/// </summary>
internal sealed record E2ESettings(IReadOnlyList<string> Contexts, string? Bucket, string Prefix, string? CredentialsFile)
{
    public bool RealClusters => Contexts.Count > 0;

    public static E2ESettings FromEnvironment()
    {
        var contexts = (Environment.GetEnvironmentVariable("E2E_CONTEXTS") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bucket = Environment.GetEnvironmentVariable("E2E_GCS_BUCKET");
        var credentials = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        var errors = new List<string>();
        if (contexts.Length > 0 && string.IsNullOrWhiteSpace(bucket))
        {
            errors.Add("E2E_CONTEXTS is set but E2E_GCS_BUCKET is not: set it to the bucket the deployed controllers use (their --gcs-bucket)");
        }

        if (contexts.Length == 0 && !string.IsNullOrWhiteSpace(bucket))
        {
            errors.Add("E2E_GCS_BUCKET is set but E2E_CONTEXTS is not: set E2E_CONTEXTS=ctx1[,ctx2] (kubeconfig contexts of the clusters), or unset both to run on the sandbox");
        }

        if (contexts.Length > 0 && !string.IsNullOrEmpty(credentials) && !File.Exists(credentials))
        {
            errors.Add($"GOOGLE_APPLICATION_CREDENTIALS={credentials}: no such file");
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("e2e settings: " + string.Join("; ", errors));
        }

        return new E2ESettings(contexts, bucket, Environment.GetEnvironmentVariable("E2E_GCS_PREFIX") ?? "", string.IsNullOrEmpty(credentials) ? null : credentials);
    }
}
