using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MultiClusterLease.Sandbox.Processes;

/// <summary>
/// A <c>dotnet</c> child process started by the demo or the benchmark (a controller or a candidate): its standard output
/// and error go to a log file and, line by line, to an optional callback. On Linux it also reports its own CPU time and
/// memory from <c>/proc</c>.
/// </summary>
public sealed partial class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ManagedProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    /// <summary>Gets the name given at start (used as the first argument of the line callback).</summary>
    public string Name { get; }

    /// <summary>Gets the operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Gets whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c>.</summary>
    /// <param name="name">A name for the process, passed to <paramref name="onLine"/>.</param>
    /// <param name="dll">The application to run.</param>
    /// <param name="args">Its arguments, passed one by one (no shell quoting).</param>
    /// <param name="logPath">The file that receives every output line; its folder is created; an existing file is replaced.</param>
    /// <param name="onLine">Called with (name, line) for every output line, on a thread-pool thread; <see langword="null"/> = none.</param>
    /// <param name="environment">Extra environment variables; <see langword="null"/> = none.</param>
    /// <returns>The running process.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception"><c>dotnet</c> could not be started.</exception>
    public static ManagedProcess Start(string name, string dll, IEnumerable<string> args, string logPath, Action<string, string>? onLine = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void Handle(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.WriteLine(e.Data);
            }

            onLine?.Invoke(name, e.Data);
        }

        process.OutputDataReceived += Handle;
        process.ErrorDataReceived += Handle;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(name, process, log);
    }

    /// <summary>Kills the process at once (SIGKILL): no release, like a crashed pod.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Asks the process to stop (SIGTERM), as Kubernetes does when it deletes a pod.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && SendSignal(_process.Id, 15) != 0)
        {
            _process.Kill();
        }
    }

    /// <summary>Gets the CPU time the process used so far (user + system), from <c>/proc/PID/stat</c> (Linux only).</summary>
    /// <returns>The CPU time.</returns>
    /// <exception cref="IOException">The process has exited or <c>/proc</c> is not available.</exception>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");

        // The command name (field 2) may hold spaces: count fields after its closing parenthesis. utime and stime are
        // fields 14 and 15, in clock ticks (proc(5)).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>Gets a memory field of <c>/proc/PID/status</c> in bytes (Linux only).</summary>
    /// <param name="field">The field, e.g. <c>VmRSS</c> (resident now) or <c>VmHWM</c> (peak resident).</param>
    /// <returns>The value in bytes, or 0 when the field is absent.</returns>
    /// <exception cref="IOException">The process has exited or <c>/proc</c> is not available.</exception>
    public long StatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var value = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(value, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>Terminates the process (SIGTERM), kills it if it has not exited within 5 seconds, and closes the log.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    /// <summary>Gets USER_HZ, the unit of <c>/proc/PID/stat</c> times (100 on Linux unless built otherwise).</summary>
    private static long ClockTicksPerSecond { get; } = ReadClockTicks();

    private static long ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hz) && hz > 0 ? hz : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
