using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MultiClusterLease.Kubernetes.Json;
using MultiClusterLease.Sandbox.Processes;
using MultiClusterLease.Testing;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Benchmarks.Scenarios;

/// <summary>
/// 5. Scale: one election controller — the built MultiClusterLease.Controller, as its own process, so its CPU and RSS
/// are its own — carries N leases in one sandbox cluster at the default timings. Most candidates are simulated: one
/// loop writes each CR's spec (holder, renewTime, timings: the same patch the client library sends) every retry period,
/// spread evenly; a few real candidates run the client library. Measured over a window after a warm-up: the
/// controller's CPU (cores), RSS, its Kubernetes API and GCS request rates, how late each renewal's confirmation
/// reached the candidate, and whether any lock object went unrenewed for longer than the lease duration.
/// </summary>
internal static class ScaleScenario
{
    private const string Cluster = "cluster-a";
    private const string Identity = "bench-scale";

    public static async Task<IReadOnlyList<Metric>> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        foreach (var leases in settings.ScaleLeases)
        {
            metrics.AddRange(await RunOnceAsync(settings, leases, cancellationToken));
        }

        return metrics;
    }

    private static async Task<IReadOnlyList<Metric>> RunOnceAsync(BenchSettings settings, int total, CancellationToken cancellationToken)
    {
        var timings = settings.Timings;
        var realCount = Math.Min(settings.ScaleRealCandidates, total);
        var simulatedCount = total - realCount;
        Say.Heading($"scale: {total} leases on one controller process ({simulatedCount} simulated candidates + {realCount} real), timings {timings}, {settings.ScaleWarmupSeconds} s warm-up, {settings.ScaleSeconds} s measured");
        if (!File.Exists(settings.ControllerDll))
        {
            throw new FileNotFoundException($"the controller is not built: {settings.ControllerDll} (make bench builds it)");
        }

        await using var env = await BenchSandbox.StartAsync(settings, [Cluster], $"scale-{total}");
        var simApi = env.Api(Cluster, "bench-simulator");
        var names = Enumerable.Range(0, simulatedCount).Select(i => $"scale-{i:0000}").ToArray();

        // The simulated candidates' CRs exist before the controller starts, as after a controller restart.
        using (var throttle = new SemaphoreSlim(32))
        {
            await Task.WhenAll(names.Select(async (name, i) =>
            {
                await throttle.WaitAsync(cancellationToken);
                try
                {
                    await simApi.CustomObjects.CreateNamespacedCustomObjectAsync(new Lease
                    {
                        Metadata = new() { Name = name, NamespaceProperty = BenchSandbox.Namespace },
                        Spec = SimulatedSpec(i, timings),
                    }, MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, BenchSandbox.Namespace, MultiClusterLeaseApi.Plural, cancellationToken: cancellationToken);
                }
                finally
                {
                    throttle.Release();
                }
            }));
        }

        var lockObjects = names.Select(n => $"leases/{BenchSandbox.Namespace}/{n}").ToList();
        var holders = Enumerable.Range(0, simulatedCount).Select(SimulatedHolder).ToList();

        await using var simulator = new SignalSimulator(simApi, names, timings);
        simulator.Start();

        var agent = $"multiclusterlease-controller/0.1 ({Identity})";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.ControllerGc is "server" or "workstation")
        {
            environment["DOTNET_gcServer"] = settings.ControllerGc == "server" ? "1" : "0";
        }

        if (settings.ControllerLogLevel is { } level)
        {
            environment["Logging__LogLevel__Default"] = level;
        }

        foreach (var variable in settings.ControllerEnvironment)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--controller-env '{variable}' must be KEY=VALUE");
            }

            environment[variable[..equals]] = variable[(equals + 1)..];
        }

        var logPath = Path.Combine(settings.RepoRoot, "bench", "out", $"scale-{total}-controller.log");
        var startedAt = Stopwatch.GetTimestamp();
        await using var controller = ManagedProcess.Start("controller", settings.ControllerDll,
        [
            "--gcs-bucket", env.Sandbox.Bucket, "--gcs-endpoint", env.Sandbox.Gcs.BaseAddress.ToString(),
            "--kubeconfig", env.Sandbox.KubeconfigPath, "--context", Cluster, "--namespace", BenchSandbox.Namespace,
            "--health-probe-bind-address", "127.0.0.1:0", "--identity", Identity,
        ], logPath, environment: environment);
        Say.Line($"  controller pid {controller.Id}, log {Path.GetRelativePath(settings.RepoRoot, logPath)}");

        var real = new List<RunningElector>();
        for (var j = 0; j < realCount; j++)
        {
            var candidate = env.CreateCandidate(Cluster, $"scale-real-{j}", $"scale-real-{j}", timings);
            candidate.Start();
            real.Add(candidate);
            lockObjects.Add($"leases/{BenchSandbox.LockNameOf($"scale-real-{j}")}");
            holders.Add(candidate.Identity);
        }

        // Cold start: until every lock object exists and names its candidate.
        var monitor = new LockMonitor(env, lockObjects, holders);
        var ramp = await BenchSandbox.WhenAsync(monitor.AllHeld, TimeSpan.FromSeconds(Math.Max(120, total / 5)), 200, cancellationToken);
        if (controller.HasExited)
        {
            throw new InvalidOperationException($"the controller exited; see {logPath}");
        }

        var rampSeconds = ramp is { } r ? BenchSandbox.Milliseconds(startedAt, r) / 1000 : double.NaN;
        Say.Line(ramp is null
            ? $"  cold start: not every lock was taken within the timeout ({monitor.HeldCount()} of {lockObjects.Count})"
            : $"  cold start: all {lockObjects.Count} locks taken {rampSeconds:0.0} s after the controller process started");
        // The cold start records one Acquired event per lease; the controller writes events one at a time, so let that backlog drain first.
        var drained = await BenchSandbox.WhenAsync(
            () => BenchSandbox.Count(env.KubernetesCounts(Cluster), ua => ua == agent, k => k == "POST events") >= total,
            TimeSpan.FromSeconds(Math.Max(60, total / 10)), 500, cancellationToken);
        var drainSeconds = drained is { } d ? BenchSandbox.Milliseconds(startedAt, d) / 1000 : double.NaN;
        Say.Line(drained is null ? "  cold start: the controller's Acquired events were still being written at the timeout" : $"  cold start: the controller's {total} Acquired events written {drainSeconds:0.0} s after it started");
        await Task.Delay(TimeSpan.FromSeconds(settings.ScaleWarmupSeconds), cancellationToken);

        // The window.
        using var observer = new ConfirmationObserver(env.Sandbox.Cluster(Cluster).BaseAddress, simulator);
        observer.Start();
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        using var monitoring = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        env.ResetCounts();
        foreach (var candidate in real)
        {
            env.Renewals(candidate).Reset();
        }

        var lostBefore = real.Sum(c => c.LostLeadership);
        simulator.Record(true);
        var monitorTask = monitor.RunAsync(monitoring.Token);
        var cpuStart = controller.CpuTime();
        var selfCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var windowStart = Stopwatch.GetTimestamp();
        long maxRss = 0;
        var deadline = windowStart + (long)(settings.ScaleSeconds * (double)Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && !controller.HasExited)
        {
            maxRss = Math.Max(maxRss, controller.StatusBytes("VmRSS"));
            await Task.Delay(1000, cancellationToken);
        }

        if (controller.HasExited)
        {
            throw new InvalidOperationException($"the controller exited during the window; see {logPath}");
        }

        var cpuEnd = controller.CpuTime();
        var seconds = Stopwatch.GetElapsedTime(windowStart).TotalSeconds;
        var selfCpu = (Process.GetCurrentProcess().TotalProcessorTime - selfCpuStart).TotalSeconds / seconds;
        var peakRss = controller.StatusBytes("VmHWM");
        maxRss = Math.Max(maxRss, controller.StatusBytes("VmRSS"));
        simulator.Record(false);
        var kube = env.KubernetesCounts(Cluster);
        var gcs = env.GcsCounts();
        await monitoring.CancelAsync();
        var gaps = await monitorTask;
        var lost = real.Sum(c => c.LostLeadership) - lostBefore;
        var realRenewals = real.Sum(c => env.Renewals(c).Confirmed);
        var realUnanswered = real.Sum(c => env.Renewals(c).Unanswered);
        foreach (var candidate in real)
        {
            await candidate.StopAsync();
        }

        await simulator.StopAsync();

        var cores = (cpuEnd - cpuStart).TotalSeconds / seconds;
        static bool IsWatch(string kind) => kind.StartsWith("WATCH", StringComparison.Ordinal);
        var kubeRequests = BenchSandbox.Count(kube, ua => ua == agent, k => !IsWatch(k));
        var kubeWatches = BenchSandbox.Count(kube, ua => ua == agent, IsWatch);
        var gcsRequests = BenchSandbox.Count(gcs, ua => BenchSandbox.IsAgent(ua, agent));
        var kubeBreakdown = BenchSandbox.Breakdown(kube, agent);
        var gcsBreakdown = BenchSandbox.Breakdown(gcs, agent);
        var signals = simulator.SignalsRecorded;
        var confirmations = observer.Latencies();
        var confirmationTimeoutMs = timings.RetryPeriod * 750.0;
        var late = confirmations.Count(l => l > confirmationTimeoutMs);
        var unconfirmedAges = simulator.Unconfirmed();
        var unconfirmed = unconfirmedAges.Count(a => a > confirmationTimeoutMs);
        var missed = gaps.Count(g => g > timings.LeaseDuration * 1000.0);
        var maxGap = gaps.Count == 0 ? double.NaN : gaps.Max();
        var rejected = simulator.Failures;

        string Describe(Dictionary<string, long> breakdown) => string.Join(", ", breakdown.OrderByDescending(p => p.Value).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / seconds:0.#}/s")));
        Say.Line(string.Create(CultureInfo.InvariantCulture, $"  controller: {cores:0.000} cores, RSS peak {peakRss / 1048576.0:0} MiB (window max {maxRss / 1048576.0:0} MiB); API {kubeRequests / seconds:0.0}/s ({Describe(kubeBreakdown)}); GCS {gcsRequests / seconds:0.0}/s ({Describe(gcsBreakdown)})"));
        Say.Line(string.Create(CultureInfo.InvariantCulture, $"  renewals: {signals} signals, {confirmations.Count} confirmed, p50 {Stats.Percentile([.. confirmations.Order()], 0.5):0} ms, p95 {Stats.Percentile([.. confirmations.Order()], 0.95):0} ms; {late} later than {confirmationTimeoutMs:0} ms, {unconfirmed} unconfirmed after {confirmationTimeoutMs:0} ms at the end; lock max gap {maxGap / 1000:0.0} s, {missed} missed; real candidates lost leadership {lost}x; sandbox process {selfCpu:0.00} cores"));

        var common = settings.Common();
        common["timings"] = timings.ToString();
        common["leases"] = total;
        common["simulatedCandidates"] = simulatedCount;
        common["realCandidates"] = realCount;
        common["warmupSeconds"] = settings.ScaleWarmupSeconds;
        common["windowSeconds"] = Math.Round(seconds, 1);
        common["controllerGc"] = settings.ControllerGc;
        common["controllerLogLevel"] = settings.ControllerLogLevel ?? "as shipped (Information)";
        common["controllerEnvironment"] = settings.ControllerEnvironment;
        common["sandboxProcessCores"] = Math.Round(selfCpu, 3);
        var is1000 = total >= 1000;
        var metrics = new List<Metric>
        {
            Metric.FromValue("scale", $"{total} leases: controller CPU", "cores", cores, (int)signals, common,
                is1000 ? "≤ 0.25 core at 1,000 leases" : null, is1000 ? cores <= 0.25 : null,
                $"CPU time (utime+stime, /proc/PID/stat) over the {seconds:0} s window; the sandbox servers and simulated candidates used {selfCpu:0.00} cores of the same 2 in the benchmark process"),
            Metric.FromValue("scale", $"{total} leases: controller peak RSS", "MiB", peakRss / 1048576.0, 1, common,
                is1000 ? "≤ 200 MB at 1,000 leases" : null, is1000 ? peakRss <= 200_000_000 : null,
                $"VmHWM (lifetime peak, cold start included); highest VmRSS in the window {maxRss / 1048576.0:0} MiB"),
            Metric.FromValue("scale", $"{total} leases: Kubernetes API requests/s", "requests/s", kubeRequests / seconds, (int)kubeRequests, common, note: $"{Describe(kubeBreakdown)}; {kubeWatches} watch streams opened"),
            Metric.FromValue("scale", $"{total} leases: GCS requests/s", "requests/s", gcsRequests / seconds, (int)gcsRequests, common, note: Describe(gcsBreakdown)),
            Metric.FromValue("scale", $"{total} leases: missed renewals", "leases", missed, gaps.Count, common,
                is1000 ? "no missed renewal" : "no missed renewal", missed == 0 && lost == 0,
                $"lock objects unchanged for longer than leaseDuration ({timings.LeaseDuration} s) while their candidate signalled; longest gap {maxGap / 1000:0.0} s; real candidates lost leadership {lost} time(s)"),
            Metric.FromSamples("scale", $"{total} leases: renewal confirmation latency", "ms", confirmations, 0, common,
                note: $"candidate's spec write → status shows observedGeneration ≥ its generation and itself as holder; {late} of {confirmations.Count} later than the confirmation timeout ({confirmationTimeoutMs:0} ms), {unconfirmed} of {signals} signals still unconfirmed at the end of the window, {rejected} signal writes failed; real candidates: {realRenewals} renewals, {realUnanswered} unanswered"),
            Metric.FromValue("scale", $"{total} leases: cold start", "s", rampSeconds, total, common, note: $"controller process start → every lock object created for its candidate; its {total} Acquired events were written after {drainSeconds:0.0} s (one at a time)"),
        };
        return metrics;
    }

    internal static string SimulatedHolder(int index) => $"sim-{index:0000}";

    internal static V1Alpha1MultiClusterLeaseSpec SimulatedSpec(int index, LeaseTimings timings) => new()
    {
        HolderIdentity = SimulatedHolder(index),
        RenewTime = DateTimeOffset.UtcNow,
        LeaseDurationSeconds = timings.LeaseDuration,
        RenewDeadlineSeconds = timings.RenewDeadline,
        RetryPeriodSeconds = timings.RetryPeriod,
    };

    /// <summary>
    /// The simulated candidates: each lease's spec is written every retry period, at an even spread, with the patch the
    /// client library sends. Each write's generation is remembered until a status that confirms it is observed.
    /// </summary>
    internal sealed class SignalSimulator(IKubernetes api, IReadOnlyList<string> names, LeaseTimings timings) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Queue<(long Generation, long SentAt, bool Recorded)>[] _pending = [.. names.Select(_ => new Queue<(long, long, bool)>())];
        private readonly SemaphoreSlim _inFlight = new(256);
        private Task _loop = Task.CompletedTask;
        private volatile bool _recording;
        private long _recorded;
        private long _failures;

        public IReadOnlyList<string> Names => names;

        public long SignalsRecorded => Interlocked.Read(ref _recorded);

        public long Failures => Interlocked.Read(ref _failures);

        public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

        public void Record(bool on) => _recording = on;

        /// <summary>Settles the signals of lease <paramref name="index"/> that <paramref name="observedGeneration"/> covers; returns the send times of those sent while recording.</summary>
        public List<long> Confirm(int index, long observedGeneration)
        {
            var settled = new List<long>();
            var queue = _pending[index];
            lock (queue)
            {
                while (queue.TryPeek(out var signal) && signal.Generation <= observedGeneration)
                {
                    queue.Dequeue();
                    if (signal.Recorded)
                    {
                        settled.Add(signal.SentAt);
                    }
                }
            }

            return settled;
        }

        /// <summary>Gets the recorded signals still unconfirmed, with their age in ms.</summary>
        public List<double> Unconfirmed()
        {
            var now = Stopwatch.GetTimestamp();
            var ages = new List<double>();
            foreach (var queue in _pending)
            {
                lock (queue)
                {
                    ages.AddRange(queue.Where(s => s.Recorded).Select(s => BenchSandbox.Milliseconds(s.SentAt, now)));
                }
            }

            return ages;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task LoopAsync(CancellationToken cancellationToken)
        {
            var period = timings.Retry.TotalSeconds * Stopwatch.Frequency;
            var start = Stopwatch.GetTimestamp();
            long next = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                while (start + (long)(next * period / names.Count) <= now)
                {
                    var index = (int)(next % names.Count);
                    next++;
                    await _inFlight.WaitAsync(cancellationToken);
                    _ = SignalAsync(index, cancellationToken);
                }

                await Task.Delay(10, cancellationToken);
            }
        }

        private async Task SignalAsync(int index, CancellationToken cancellationToken)
        {
            try
            {
                var spec = new JsonObject
                {
                    ["holderIdentity"] = SimulatedHolder(index),
                    ["renewTime"] = MicroTime.Format(DateTimeOffset.UtcNow),
                    ["leaseDurationSeconds"] = timings.LeaseDuration,
                    ["renewDeadlineSeconds"] = timings.RenewDeadline,
                    ["retryPeriodSeconds"] = timings.RetryPeriod,
                };
                var recording = _recording;
                var sentAt = Stopwatch.GetTimestamp();
                var patched = await api.CustomObjects.PatchNamespacedCustomObjectAsync<Lease>(
                    new V1Patch(new JsonObject { ["spec"] = spec }.ToJsonString(), V1Patch.PatchType.MergePatch),
                    MultiClusterLeaseApi.Group, MultiClusterLeaseApi.Version, BenchSandbox.Namespace, MultiClusterLeaseApi.Plural, names[index], cancellationToken: cancellationToken);
                var queue = _pending[index];
                lock (queue)
                {
                    queue.Enqueue((patched.Metadata.Generation ?? 0, sentAt, recording));
                    while (queue.Count > 64)
                    {
                        queue.Dequeue();
                    }
                }

                if (recording)
                {
                    Interlocked.Increment(ref _recorded);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or OperationCanceledException)
            {
                if (_recording)
                {
                    Interlocked.Increment(ref _failures);
                }
            }
            finally
            {
                _inFlight.Release();
            }
        }
    }

    /// <summary>
    /// Watches every CR, as each candidate watches its own, and times each simulated signal's confirmation: a status
    /// naming the simulated holder with observedGeneration at or past the signal's generation. Lean on purpose (raw watch
    /// stream, three fields parsed) so it takes little of the CPU the controller competes for.
    /// </summary>
    internal sealed class ConfirmationObserver : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<double> _latencies = new();
        private readonly Dictionary<string, int> _index;
        private readonly SignalSimulator _simulator;
        private readonly HttpClient _http;
        private readonly string _collection;
        private Task _loop = Task.CompletedTask;

        public ConfirmationObserver(Uri server, SignalSimulator simulator)
        {
            _simulator = simulator;
            _index = simulator.Names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
            _http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
            _http.DefaultRequestHeaders.UserAgent.ParseAdd("bench-observer");
            _collection = $"/apis/{MultiClusterLeaseApi.Group}/{MultiClusterLeaseApi.Version}/namespaces/{BenchSandbox.Namespace}/{MultiClusterLeaseApi.Plural}";
        }

        public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

        public IReadOnlyList<double> Latencies() => [.. _latencies];

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            _stop.Dispose();
            _http.Dispose();
        }

        private async Task LoopAsync(CancellationToken cancellationToken)
        {
            string? resourceVersion = null;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (resourceVersion is null)
                    {
                        using var list = JsonDocument.Parse(await _http.GetStringAsync(_collection, cancellationToken));
                        resourceVersion = list.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
                    }

                    using var response = await _http.GetAsync($"{_collection}?watch=true&allowWatchBookmarks=true&timeoutSeconds=600&resourceVersion={resourceVersion}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    {
                        var now = Stopwatch.GetTimestamp();
                        using var change = JsonDocument.Parse(line);
                        var type = change.RootElement.GetProperty("type").GetString();
                        var item = change.RootElement.GetProperty("object");
                        if (type == "ERROR")
                        {
                            resourceVersion = null;
                            break;
                        }

                        if (item.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv))
                        {
                            resourceVersion = rv.GetString();
                        }

                        if (type is not ("ADDED" or "MODIFIED")
                            || !_index.TryGetValue(metadata.GetProperty("name").GetString() ?? "", out var index)
                            || !item.TryGetProperty("status", out var status)
                            || !status.TryGetProperty("observedGeneration", out var observed)
                            || !status.TryGetProperty("globalHolderIdentity", out var holder)
                            || holder.GetString() != SimulatedHolder(index))
                        {
                            continue;
                        }

                        foreach (var sentAt in _simulator.Confirm(index, observed.GetInt64()))
                        {
                            _latencies.Enqueue(BenchSandbox.Milliseconds(sentAt, now));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Reads every lock object from the fake bucket (in-process, uncounted) 4 times a second and records the gaps between its changes.</summary>
    internal sealed class LockMonitor(BenchSandbox env, IReadOnlyList<string> objects, IReadOnlyList<string> holders)
    {
        public bool AllHeld() => HeldCount() == objects.Count;

        public int HeldCount()
        {
            var held = 0;
            for (var i = 0; i < objects.Count; i++)
            {
                var state = env.Lock(objects[i]["leases/".Length..]);
                if (state.Exists && state.Holder == holders[i])
                {
                    held++;
                }
            }

            return held;
        }

        /// <summary>Runs until cancelled; returns every gap (ms) between two observed changes of an object, plus each object's open gap at the end.</summary>
        public async Task<List<double>> RunAsync(CancellationToken cancellationToken)
        {
            var gaps = new List<double>();
            var last = new (long Generation, long At)[objects.Count];
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < objects.Count; i++)
            {
                env.Sandbox.Gcs.TryGetObject(env.Sandbox.Bucket, objects[i], out _, out var generation);
                last[i] = (generation, now);
            }

            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(250, cancellationToken);
                    now = Stopwatch.GetTimestamp();
                    for (var i = 0; i < objects.Count; i++)
                    {
                        env.Sandbox.Gcs.TryGetObject(env.Sandbox.Bucket, objects[i], out _, out var generation);
                        if (generation != last[i].Generation)
                        {
                            gaps.Add(BenchSandbox.Milliseconds(last[i].At, now));
                            last[i] = (generation, now);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            now = Stopwatch.GetTimestamp();
            gaps.AddRange(last.Select(l => BenchSandbox.Milliseconds(l.At, now)));
            return gaps;
        }
    }
}
