using System.Diagnostics;
using System.Text;

namespace MultiClusterLease.E2E.K3s;

/// <summary>Runs the command-line tools a run uses (kubectl, dotnet, kill).</summary>
internal static class Tools
{
    /// <summary>Runs a command to its end; throws with its output when it fails.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="environment">Variables to set for it.</param>
    /// <param name="cancellationToken">Kills it.</param>
    /// <returns>Its standard output.</returns>
    /// <exception cref="InvalidOperationException">It exited with another code than 0.</exception>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var (code, output, error) = await RunCapturedAsync(fileName, args, environment, cancellationToken);
        return code == 0 ? output : throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} failed ({code}):\n{output}{error}");
    }

    /// <summary>Runs a command with the console as its output (the e2e tests), and returns its exit code.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="environment">Variables to set for it.</param>
    /// <param name="cancellationToken">Kills it.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAttachedAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var info = StartInfo(fileName, args, environment, redirect: false);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    /// <summary>Whether a program runs at all (on PATH and answers).</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="args">Harmless arguments, e.g. a version query.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns><see langword="true"/> when it ran and exited with 0.</returns>
    public static async Task<bool> IsOnPathAsync(string fileName, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        try
        {
            return (await RunCapturedAsync(fileName, args, null, cancellationToken)).Code == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Creates the start info of a child process.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="environment">Variables to set for it.</param>
    /// <param name="redirect">Whether to capture its output.</param>
    /// <returns>The start info.</returns>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, bool redirect)
    {
        var info = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        if (redirect)
        {
            info.StandardOutputEncoding = Encoding.UTF8;
            info.StandardErrorEncoding = Encoding.UTF8;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static async Task<(int Code, string Output, string Error)> RunCapturedAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo(fileName, args, environment, redirect: true)) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
