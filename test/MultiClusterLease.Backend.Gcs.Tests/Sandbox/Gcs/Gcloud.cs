using System.Diagnostics;

namespace MultiClusterLease.Backend.Gcs.Tests.Sandbox.Gcs;

/// <summary>The output of one gcloud run.</summary>
internal sealed record GcloudResult(int ExitCode, string Stdout, string Stderr)
{
    public GcloudResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"gcloud failed ({ExitCode}):\n{Stdout}\n{Stderr}");
        return this;
    }

    public GcloudResult FailedWith412()
    {
        Assert.True(ExitCode != 0, $"gcloud succeeded, a 412 was expected:\n{Stdout}\n{Stderr}");
        Assert.Contains("412", Stderr, StringComparison.Ordinal);
        return this;
    }
}

/// <summary>
/// Runs the real <c>gcloud storage</c> against a fake GCS server: the JSON API endpoint overridden
/// (<c>CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE</c>), no credentials (<c>CLOUDSDK_AUTH_DISABLE_CREDENTIALS</c>), a
/// throwaway configuration folder, and no prompts, update checks or usage reports.
/// </summary>
internal sealed class Gcloud : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _directory = Directory.CreateTempSubdirectory("gcloud-test-").FullName;
    private readonly Uri _endpoint;

    public Gcloud(Uri endpoint)
    {
        _endpoint = endpoint;
    }

    /// <summary>Gets whether gcloud is on the PATH.</summary>
    public static bool IsInstalled { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, "gcloud")));

    /// <summary>Writes a file in the temp folder; returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public async Task<GcloudResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("gcloud")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("storage");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CLOUDSDK_CONFIG"] = Path.Combine(_directory, "config");
        start.Environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = _endpoint.AbsoluteUri;
        start.Environment["CLOUDSDK_AUTH_DISABLE_CREDENTIALS"] = "true";
        start.Environment["CLOUDSDK_CORE_PROJECT"] = "sandbox";
        start.Environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1";
        start.Environment["CLOUDSDK_CORE_DISABLE_USAGE_REPORTING"] = "true";
        start.Environment["CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK"] = "true";
        start.Environment.Remove("GOOGLE_APPLICATION_CREDENTIALS");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("gcloud did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gcloud storage {string.Join(' ', args)} did not finish in {Timeout}");
        }

        return new GcloudResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that needs gcloud: skipped, with the reason, where gcloud is not installed.</summary>
internal sealed class GcloudFactAttribute : FactAttribute
{
    public GcloudFactAttribute()
    {
        if (!Gcloud.IsInstalled)
        {
            Skip = "gcloud is not installed (not on PATH): install the Google Cloud CLI to run the fake bucket's gcloud test.";
        }
    }
}
