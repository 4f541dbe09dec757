using System.Diagnostics;
using System.Net;
using System.Text;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>
/// Publishes the controller once for the test run, with the flags of `make publish` (and so of the image), from the
/// build these tests were built with (no-build), into a temporary folder. With MCL_CONTROLLER_PUBLISH_DIR set (e.g. to
/// artifacts/publish/controller after `make publish`), tests that folder instead.
/// </summary>
public sealed class PublishedControllerFixture : IAsyncLifetime
{
    private string? _temporary;

    public string Directory { get; private set; } = "";

    public string Dll => Path.Combine(Directory, "MultiClusterLease.Controller.dll");

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("MCL_CONTROLLER_PUBLISH_DIR") is { Length: > 0 } preset)
        {
            Directory = Path.GetFullPath(preset, Repo.Root);
            return;
        }

        _temporary = System.IO.Directory.CreateTempSubdirectory("mcl-publish-").FullName;
        Directory = _temporary;
        var flags = BuildFiles.MakefilePublishFlags().ToList();
        var configuration = flags.IndexOf("-c");
        Assert.True(configuration >= 0 && configuration + 1 < flags.Count, "PUBLISH_FLAGS sets no configuration (-c)");
        flags[configuration + 1] = Repo.Configuration;
        (await ProcessRunner.RunAsync(
            ProcessRunner.Dotnet,
            ["publish", BuildFiles.ControllerProject, "--no-build", .. flags, "-o", Directory, "-nodeReuse:false"],
            TimeSpan.FromMinutes(3))).Succeeded();
    }

    public Task DisposeAsync()
    {
        if (_temporary is not null)
        {
            try
            {
                System.IO.Directory.Delete(_temporary, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Starts the published controller: <c>dotnet MultiClusterLease.Controller.dll ARGS</c>.</summary>
    public ControllerProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null)
        => ControllerProcess.Start(ProcessRunner.Dotnet, [Dll, .. args], Directory, environment);
}

[CollectionDefinition(Name)]
public sealed class PublishedControllerCollection : ICollectionFixture<PublishedControllerFixture>
{
    public const string Name = "published controller";
}

/// <summary>A running controller process; its output is kept for failure messages.</summary>
public sealed class ControllerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ControllerProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static ControllerProcess Start(string fileName, IEnumerable<string> args, string workingDirectory, IDictionary<string, string?>? environment)
    {
        var info = ProcessRunner.CreateStartInfo(fileName, args, workingDirectory, environment);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var running = new ControllerProcess(process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Polls a URL until it answers <paramref name="expected"/>; fails with the controller's output otherwise.</summary>
    public async Task<HttpStatusCode> WaitForStatusAsync(Uri url, HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode? last = null;
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"the controller exited ({_process.ExitCode}) while waiting for {url}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(url);
                last = response.StatusCode;
                if (last == expected)
                {
                    return expected;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{url} did not answer {(int)expected} within {timeout} (last: {(last is null ? "no answer" : ((int)last).ToString(System.Globalization.CultureInfo.InvariantCulture))}):\n{Output}");
        return default;
    }

    /// <summary>Sends SIGTERM (as the kubelet does) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            (await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10))).Succeeded();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the controller did not stop within {timeout} of SIGTERM:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the controller did not exit within {timeout}:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
