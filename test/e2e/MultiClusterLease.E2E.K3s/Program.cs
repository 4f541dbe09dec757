using System.Security.Cryptography;
using MultiClusterLease.E2E.K3s;

// make test-e2e (single) / make test-e2e-multi (multi): K3s clusters in Docker, one controller per cluster on this host,
// the real bucket E2E_GCS_BUCKET, then the e2e scenarios against them. `check single|multi` only checks what the run
// needs outside the repository (the Makefile runs it before building the rest). Exit code: 2 = something is missing
// (nothing was started), 1 = the run failed, else the e2e tests' exit code.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var runId = $"{DateTime.UtcNow:MMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";
var checkOnly = args is ["check", ..];
var settings = E2ERunSettings.Parse(checkOnly ? args[1..] : args, Environment.GetEnvironmentVariable, runId, out var missing);
if (settings is not null)
{
    var paths = RepositoryPaths.FromBuild(settings.Configuration);
    missing.AddRange(await Preflight.CheckAsync(settings, paths, requireBuild: !checkOnly, cancel.Token));
    if (missing.Count == 0)
    {
        return checkOnly ? 0 : await RunAsync(settings, paths, cancel.Token);
    }
}

await Console.Error.WriteLineAsync($"error: {settings?.Target ?? "the K3s e2e run"} cannot run; missing:");
foreach (var item in missing)
{
    await Console.Error.WriteLineAsync($"  - {item}");
}

await Console.Error.WriteLineAsync("(make test runs the same scenarios on the sandbox, with none of these; make test-e2e-kind runs them on kind.)");
return 2;

static async Task<int> RunAsync(E2ERunSettings settings, RepositoryPaths paths, CancellationToken cancellationToken)
{
    var directory = Directory.CreateTempSubdirectory("mcl-e2e-k3s-").FullName;
    try
    {
        await using var clusters = await K3sClusters.StartAsync(settings.ClusterCount, settings.K3sImage, paths, directory, cancellationToken);
        var controllers = new List<HostController>();
        try
        {
            controllers.AddRange(clusters.Contexts.Select(context => HostController.Start(paths, clusters, context, settings)));
            foreach (var controller in controllers)
            {
                await controller.WaitUntilReadyAsync(TimeSpan.FromMinutes(2), cancellationToken);
            }

            Console.WriteLine($"==> running the e2e tests against {string.Join(", ", clusters.Contexts)} and gs://{settings.Bucket}/{settings.Prefix}");
            return await Tools.RunAttachedAsync(
                "dotnet",
                ["test", paths.E2ETests, "-c", settings.Configuration, "--no-build"],
                new Dictionary<string, string>
                {
                    ["KUBECONFIG"] = clusters.KubeconfigPath,
                    ["E2E_CONTEXTS"] = string.Join(',', clusters.Contexts),
                    ["E2E_GCS_BUCKET"] = settings.Bucket,
                    ["E2E_GCS_PREFIX"] = settings.Prefix,
                },
                cancellationToken);
        }
        finally
        {
            foreach (var controller in controllers)
            {
                await controller.DisposeAsync();
            }
        }
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        // A cluster that did not start (Docker refused, the image could not be pulled), kubectl failing, a controller
        // that did not become ready: said in one line, after the clean-up above.
        await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}");
        return 1;
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}
