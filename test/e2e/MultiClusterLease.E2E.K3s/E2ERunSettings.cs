namespace MultiClusterLease.E2E.K3s;

/// <summary>
/// What one run needs, from the command line (<c>single</c> | <c>multi</c>) and the environment:
/// <list type="bullet">
/// <item><c>E2E_GCS_BUCKET</c> (required): a real bucket for the lock objects; controllers and tests use it.</item>
/// <item><c>E2E_GCS_PREFIX</c>: object prefix; default <c>e2e-RUNID/</c>, so that runs never share a lock object.</item>
/// <item><c>E2E_K3S_IMAGE</c>: the K3s image; default <see cref="DefaultK3sImage"/>.</item>
/// <item><c>CONFIGURATION</c>: the build configuration of the controller and the tests (default Debug).</item>
/// </list>
/// Credentials are application default credentials (checked by <see cref="Preflight"/>).
/// </summary>
internal sealed record E2ERunSettings(int ClusterCount, string Bucket, string Prefix, string K3sImage, string Configuration, string RunId)
{
    /// <summary>The K3s image Testcontainers.K3s documents and tests with.</summary>
    public const string DefaultK3sImage = "rancher/k3s:v1.26.2-k3s1";

    /// <summary>Gets the make target that runs this mode, for messages.</summary>
    public string Target => ClusterCount == 1 ? "make test-e2e" : "make test-e2e-multi";

    /// <summary>Reads the settings; <paramref name="errors"/> says what is missing or wrong.</summary>
    /// <param name="args">The command line: <c>single</c> or <c>multi</c>.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="runId">This run's id.</param>
    /// <param name="errors">What is missing, each with its fix; empty when the settings are complete.</param>
    /// <returns>The settings, or <see langword="null"/> when the mode is unknown.</returns>
    public static E2ERunSettings? Parse(IReadOnlyList<string> args, Func<string, string?> environment, string runId, out List<string> errors)
    {
        errors = [];
        int? count = args is [var mode] ? mode switch { "single" => 1, "multi" => 2, _ => null } : null;
        if (count is null)
        {
            errors.Add("the mode: MultiClusterLease.E2E.K3s [check] single|multi (one K3s cluster, or two)");
            return null;
        }

        var bucket = environment("E2E_GCS_BUCKET");
        if (string.IsNullOrWhiteSpace(bucket))
        {
            errors.Add("E2E_GCS_BUCKET: the name of a real GCS bucket for the lock objects (the run writes under a prefix of its own)");
        }

        var prefix = environment("E2E_GCS_PREFIX") ?? $"e2e-{runId}/";
        var image = environment("E2E_K3S_IMAGE");
        var configuration = environment("CONFIGURATION");
        return new E2ERunSettings(
            count.Value,
            bucket ?? "",
            prefix,
            string.IsNullOrWhiteSpace(image) ? DefaultK3sImage : image,
            string.IsNullOrWhiteSpace(configuration) ? "Debug" : configuration,
            runId);
    }
}
