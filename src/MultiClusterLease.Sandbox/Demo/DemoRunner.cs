using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sandbox.Processes;

namespace MultiClusterLease.Sandbox.Demo;

/// <summary>Settings of <c>make demo</c>.</summary>
internal sealed record DemoOptions
{
    public required string ControllerDll { get; init; }

    public required string CandidateDll { get; init; }

    public required string Directory { get; init; }

    public bool KeepRunning { get; init; }

    public int LeaseDurationSeconds { get; init; } = 15;

    public int RenewDeadlineSeconds { get; init; } = 10;

    public int RetryPeriodSeconds { get; init; } = 2;
}

/// <summary>
/// <c>make demo</c>: three sandbox clusters and a bucket, one controller process and one candidate process per cluster.
/// It prints a timeline, checks that all clusters agree on one leader and fencing token, kills the leader's process and
/// measures the failover, then stops the next leader gracefully and measures the handover.
/// </summary>
internal sealed class DemoRunner
{
    private const string LeaseName = "demo-lease";
    private const string Namespace = "default";
    private readonly DemoOptions _options;
    private readonly DemoReport _report = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ManagedProcess> _candidates = new(StringComparer.Ordinal);
    private readonly List<(TimeSpan At, string Identity, bool Started)> _leadership = [];

    public DemoRunner(DemoOptions options)
    {
        _options = options;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        foreach (var dll in new[] { _options.ControllerDll, _options.CandidateDll })
        {
            if (!File.Exists(dll))
            {
                await Console.Error.WriteLineAsync($"error: {dll} not found; build first (make build)");
                return 2;
            }
        }

        var logs = Path.Combine(_options.Directory, "logs");
        System.IO.Directory.CreateDirectory(logs);
        await using var sandbox = await SandboxEnvironment.StartAsync(new SandboxEnvironmentOptions { Directory = _options.Directory }, cancellationToken);
        _report.Say($"sandbox: {sandbox.ClusterNames.Count} clusters ({string.Join(", ", sandbox.ClusterNames)}) and bucket gs://{sandbox.Bucket} at {sandbox.Gcs.BaseAddress}");
        _report.Say($"kubeconfig: {sandbox.KubeconfigPath}");
        _report.Say($"  try:  kubectl --kubeconfig {sandbox.KubeconfigPath} --context cluster-a get mcl -A -w");
        _report.Say($"timings: leaseDuration {_options.LeaseDurationSeconds}s, renewDeadline {_options.RenewDeadlineSeconds}s, retryPeriod {_options.RetryPeriodSeconds}s; process logs in {logs}");

        var controllers = new List<ManagedProcess>();
        try
        {
            foreach (var cluster in sandbox.ClusterNames)
            {
                var suffix = cluster.Replace("cluster-", "", StringComparison.Ordinal);
                controllers.Add(ManagedProcess.Start($"controller-{suffix}", _options.ControllerDll,
                [
                    "--gcs-bucket", sandbox.Bucket, "--gcs-endpoint", sandbox.Gcs.BaseAddress.ToString(),
                    "--kubeconfig", sandbox.KubeconfigPath, "--context", cluster, "--namespace", Namespace,
                    "--health-probe-bind-address", "127.0.0.1:0", "--identity", $"controller-{suffix}",
                ], Path.Combine(logs, $"controller-{suffix}.log"), (_, _) => { }));
            }

            _report.Say("started 3 election controllers (one per cluster)");
            foreach (var cluster in sandbox.ClusterNames)
            {
                StartCandidate(sandbox, cluster, logs);
            }

            _report.Say("started 3 candidates (sample app, one per cluster), all contending for MultiClusterLease default/demo-lease");
            var bound = TimeSpan.FromSeconds(_options.LeaseDurationSeconds + _options.RetryPeriodSeconds + 2);

            // 1. One leader, every cluster agrees.
            var first = await WaitForLeaderAsync(sandbox, exclude: [], TimeSpan.FromSeconds(30), cancellationToken);
            if (first is null)
            {
                return _report.Fail("no leader elected within 30 s");
            }

            await ShowAgreementAsync(sandbox, first.Value.Identity, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(_options.RetryPeriodSeconds * 2), cancellationToken);
            CheckSingleLeader();

            // 2. Crash: kill the leader's process.
            var killedAt = _report.Elapsed;
            _report.Say($"== killing the leader's process ({first.Value.Identity}, SIGKILL): no release, its lock must expire");
            _candidates[first.Value.Identity].Kill();
            lock (_gate)
            {
                // A killed process says nothing; it stops leading at once.
                _leadership.Add((_report.Elapsed, first.Value.Identity, false));
            }

            var second = await WaitForLeaderAsync(sandbox, exclude: [first.Value.Identity], bound + TimeSpan.FromSeconds(10), cancellationToken);
            if (second is null)
            {
                return _report.Fail("no failover");
            }

            _report.Check(second.Value.At - killedAt <= bound, $"failover after a crash took {DemoReport.Seconds(second.Value.At - killedAt)} (bound: leaseDuration + retryPeriod + 2 s = {DemoReport.Seconds(bound)})");
            await ShowAgreementAsync(sandbox, second.Value.Identity, cancellationToken);
            CheckSingleLeader();

            // 3. Graceful: stop the new leader; it releases the lease.
            var handoverBound = TimeSpan.FromSeconds(_options.RetryPeriodSeconds + 2);
            var stoppedAt = _report.Elapsed;
            _report.Say($"== stopping the leader gracefully ({second.Value.Identity}, SIGTERM): it releases the lease");
            _candidates[second.Value.Identity].Terminate();
            var third = await WaitForLeaderAsync(sandbox, exclude: [first.Value.Identity, second.Value.Identity], handoverBound + TimeSpan.FromSeconds(20), cancellationToken);
            if (third is null)
            {
                return _report.Fail("no handover");
            }

            _report.Check(third.Value.At - stoppedAt <= handoverBound, $"graceful handover took {DemoReport.Seconds(third.Value.At - stoppedAt)} (bound: retryPeriod + 2 s = {DemoReport.Seconds(handoverBound)})");
            await ShowAgreementAsync(sandbox, third.Value.Identity, cancellationToken);
            CheckSingleLeader();

            return await _report.FinishAsync(_options.KeepRunning, cancellationToken);
        }
        finally
        {
            foreach (var process in _candidates.Values.Concat(controllers))
            {
                await process.DisposeAsync();
            }
        }
    }

    private void StartCandidate(SandboxEnvironment sandbox, string cluster, string logs)
    {
        var identity = $"candidate-{cluster.Replace("cluster-", "", StringComparison.Ordinal)}";
        _candidates[identity] = ManagedProcess.Start(identity, _options.CandidateDll,
        [
            "--kubeconfig", sandbox.KubeconfigPath, "--context", cluster, "--namespace", Namespace, "--name", LeaseName,
            "--identity", identity,
            "--lease-duration", _options.LeaseDurationSeconds.ToString(CultureInfo.InvariantCulture),
            "--renew-deadline", _options.RenewDeadlineSeconds.ToString(CultureInfo.InvariantCulture),
            "--retry-period", _options.RetryPeriodSeconds.ToString(CultureInfo.InvariantCulture),
        ], Path.Combine(logs, $"{identity}.log"), OnCandidateLine);
    }

    private void OnCandidateLine(string name, string line)
    {
        var started = line.Contains(": started leading", StringComparison.Ordinal);
        var stopped = line.Contains(": stopped leading", StringComparison.Ordinal);
        if (!started && !stopped)
        {
            return;
        }

        lock (_gate)
        {
            _leadership.Add((_report.Elapsed, name, started));
        }

        var token = line[(line.LastIndexOf('(') + 1)..].TrimEnd(')');
        _report.Say($"{name}: {(started ? "STARTED" : "stopped")} leading ({token})");
    }

    private async Task<(string Identity, TimeSpan At)?> WaitForLeaderAsync(SandboxEnvironment sandbox, string[] exclude, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _report.Elapsed + timeout;
        var lastLine = "";
        while (_report.Elapsed < deadline)
        {
            var line = string.Join("  |  ", sandbox.ClusterNames.Select(c => $"{c}: {Describe(Status(sandbox, c))}"));
            if (line != lastLine)
            {
                _report.Say(line);
                lastLine = line;
            }

            lock (_gate)
            {
                var current = CurrentLeaders();
                var leader = current.FirstOrDefault(l => !exclude.Contains(l));
                if (leader is not null)
                {
                    return (leader, _leadership.Last(l => l.Identity == leader && l.Started).At);
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        return null;
    }

    private async Task ShowAgreementAsync(SandboxEnvironment sandbox, string leader, CancellationToken cancellationToken)
    {
        var deadline = _report.Elapsed + TimeSpan.FromSeconds(_options.LeaseDurationSeconds);
        while (_report.Elapsed < deadline)
        {
            var statuses = sandbox.ClusterNames.Select(c => Status(sandbox, c)).ToList();
            if (statuses.All(s => s.Holder == leader) && statuses.Select(s => s.Token).Distinct().Count() == 1)
            {
                _report.Check(true, $"all {statuses.Count} clusters agree: leader {leader}, fencing token {statuses[0].Token}");
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        _report.Check(false, $"clusters did not agree on {leader}: " + string.Join(", ", sandbox.ClusterNames.Select(c => $"{c}={Describe(Status(sandbox, c))}")));
    }

    private List<string> CurrentLeaders()
    {
        var leaders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, identity, started) in _leadership)
        {
            if (started)
            {
                leaders.Add(identity);
            }
            else
            {
                leaders.Remove(identity);
            }
        }

        return [.. leaders];
    }

    private void CheckSingleLeader()
    {
        lock (_gate)
        {
            var leaders = CurrentLeaders();
            _report.Check(leaders.Count <= 1, $"at most one candidate leads (now: {(leaders.Count == 0 ? "none" : string.Join(", ", leaders))})");
        }
    }

    private static (string Holder, long Token) Status(SandboxEnvironment sandbox, string cluster)
    {
        var lease = sandbox.Cluster(cluster).GetObject("multicluster.core.cnrm.cloud.google.com", "v1alpha1", "multiclusterleases", Namespace, LeaseName);
        var status = lease?["status"] as JsonObject;
        return (status?["globalHolderIdentity"]?.GetValue<string>() ?? "", status?["fencingToken"]?.GetValue<long>() ?? 0);
    }

    private static string Describe((string Holder, long Token) status)
        => status.Holder.Length == 0 ? "no leader" : $"leader {status.Holder} (token {status.Token})";
}
