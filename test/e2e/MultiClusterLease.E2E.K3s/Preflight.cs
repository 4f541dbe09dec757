using DotNet.Testcontainers.Configurations;
using Google.Apis.Auth.OAuth2;

namespace MultiClusterLease.E2E.K3s;

/// <summary>
/// Checks, before anything starts, what a run needs outside the repository, and says everything missing at once: a
/// Docker engine, kubectl, application default credentials, and the built controller and tests.
/// </summary>
internal static class Preflight
{
    /// <summary>Says what is missing, each with its fix; empty when the run can start.</summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="paths">Where the built controller and tests are.</param>
    /// <param name="requireBuild">Whether the controller must be built already.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>The missing pieces.</returns>
    public static async Task<List<string>> CheckAsync(E2ERunSettings settings, RepositoryPaths paths, bool requireBuild, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        if (DockerEngineProblem(Environment.GetEnvironmentVariable("DOCKER_HOST")) is { } docker)
        {
            missing.Add(docker);
        }

        if (!await Tools.IsOnPathAsync("kubectl", ["version", "--client"], cancellationToken))
        {
            missing.Add("kubectl: not on PATH (it installs the CRD); install it: https://kubernetes.io/docs/tasks/tools/");
        }

        if (await CredentialsProblemAsync(cancellationToken) is { } credentials)
        {
            missing.Add(credentials);
        }

        if (requireBuild && !File.Exists(paths.ControllerDll))
        {
            missing.Add($"{paths.ControllerDll}: the controller is not built (dotnet build -c {settings.Configuration})");
        }

        return missing;
    }

    /// <summary>
    /// Whether Testcontainers found a Docker engine that answers, and the one <c>DOCKER_HOST</c> names when it is set
    /// (Testcontainers would otherwise fall back to another, silently).
    /// </summary>
    /// <param name="dockerHost">The value of DOCKER_HOST, if any.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    internal static string? DockerEngineProblem(string? dockerHost)
    {
        var endpoint = TestcontainersSettings.OS.DockerEndpointAuthConfig?.Endpoint;
        if (!string.IsNullOrEmpty(dockerHost) && (endpoint is null || !string.Equals(endpoint.ToString().TrimEnd('/'), dockerHost.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return $"a Docker engine at DOCKER_HOST={dockerHost}: it does not answer{(endpoint is null ? "" : $" (another one does, at {endpoint}: unset DOCKER_HOST to use it)")}";
        }

        return endpoint is null
            ? "a running Docker engine: none answers (tried DOCKER_HOST, ~/.testcontainers.properties, /var/run/docker.sock and the rootless sockets); "
                + "install one (https://docs.docker.com/engine/install/) or start it, or point DOCKER_HOST at one"
            : null;
    }

    private static async Task<string?> CredentialsProblemAsync(CancellationToken cancellationToken)
    {
        var keyFile = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        if (!string.IsNullOrEmpty(keyFile) && !File.Exists(keyFile))
        {
            return $"GOOGLE_APPLICATION_CREDENTIALS={keyFile}: no such file";
        }

        try
        {
            // The controllers run on this host and take these credentials: the same lookup (key file, gcloud's
            // application-default login, the metadata server on Google Cloud).
            await GoogleCredential.GetApplicationDefaultAsync(cancellationToken);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return "application default credentials for the bucket: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, "
                + $"or run 'gcloud auth application-default login' ({ex.Message.Split('\n')[0].Trim()})";
        }
    }
}
