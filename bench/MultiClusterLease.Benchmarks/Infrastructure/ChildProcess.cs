using System.Diagnostics;
using System.Globalization;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>
/// A process started by the benchmark (the election controller of the scale scenario), its output to a log file, with
/// its CPU time (utime + stime of /proc/PID/stat) and memory (VmRSS, VmHWM of /proc/PID/status) read from /proc.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logPath)
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
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = false };
        var process = new Process { StartInfo = info };
        void Write(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, log);
    }

    /// <summary>Gets the CPU time used so far (user + system), from /proc/PID/stat.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");

        // The command name (field 2) may hold spaces: count fields after its closing parenthesis. utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>Gets a field of /proc/PID/status in bytes, e.g. VmRSS (resident now) or VmHWM (peak resident).</summary>
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

    /// <summary>Gets USER_HZ, the unit of /proc/PID/stat times (100 on Linux unless built otherwise).</summary>
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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The controller releases nothing when it stops (DESIGN §3.5): a kill is as good as a graceful stop here.
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
