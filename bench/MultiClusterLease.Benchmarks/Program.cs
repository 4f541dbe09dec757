// make bench: scenario benchmarks of MultiClusterLease on the sandbox (fake clusters and a fake GCS bucket with
// injected latency). See docs/benchmarks.md for what each figure means and what bounds it.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MultiClusterLease.Benchmarks.Infrastructure;
using MultiClusterLease.Benchmarks.Reporting;
using MultiClusterLease.Benchmarks.Scenarios;
using MultiClusterLease.Sandbox.Processes;

var repoRoot = RepositoryRoot.Find();
if (Console.IsOutputRedirected)
{
    // make bench | tee: keep the table's rows on one line each.
    Spectre.Console.AnsiConsole.Profile.Width = 200;
}

var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

var gcsLatency = new Option<int>("--gcs-latency-ms") { Description = "Latency added to every fake GCS request.", DefaultValueFactory = _ => 50 };
var kubeLatency = new Option<int>("--k8s-latency-ms") { Description = "Latency added to every fake Kubernetes API request (watch streams excepted).", DefaultValueFactory = _ => 5 };
var scenarios = new Option<string>("--scenarios") { Description = $"Comma-separated scenarios to run: {string.Join(", ", BenchSettings.AllScenarios)} (cost includes the client cost), or all.", DefaultValueFactory = _ => "all" };
var timings = new Option<string>("--timings") { Description = "leaseDuration/renewDeadline/retryPeriod in seconds for every scenario.", DefaultValueFactory = _ => "15/10/2" };
var shortTimings = new Option<string>("--short-timings") { Description = "The second set of timings for crash failover.", DefaultValueFactory = _ => "8/3/2" };
var acquisitionRuns = new Option<int?>("--acquisition-runs") { Description = "Runs per acquisition case (default 20; --quick 5)." };
var handoverRuns = new Option<int?>("--handover-runs") { Description = "Graceful handovers per case, fresh and settled follower (default 20; --quick 3)." };
var handoverParallel = new Option<int>("--handover-parallel") { Description = "Handovers run side by side, each on its own lease.", DefaultValueFactory = _ => 10 };
var failoverRuns = new Option<int?>("--failover-runs") { Description = "Crash failovers at the default timings (default 20; --quick 2)." };
var failoverShortRuns = new Option<int?>("--failover-short-runs") { Description = "Crash failovers at the short timings (default 20; --quick 4)." };
var failoverParallel = new Option<int>("--failover-parallel") { Description = "Failovers run side by side, each on its own lease.", DefaultValueFactory = _ => 10 };
var costSeconds = new Option<int?>("--cost-seconds") { Description = "How long requests are counted in the cost scenario (default 60; --quick 12)." };
var scaleLeases = new Option<string?>("--scale-leases") { Description = "Comma-separated lease counts for one controller (default 100,1000; --quick 100)." };
var scaleWarmup = new Option<int?>("--scale-warmup-seconds") { Description = "Warm-up after the cold start (default 20; --quick 5)." };
var scaleSeconds = new Option<int?>("--scale-seconds") { Description = "Measured window of the scale scenario (default 60; --quick 15)." };
var scaleReal = new Option<int>("--scale-real-candidates") { Description = "Real client-library candidates among the scale leases.", DefaultValueFactory = _ => 3 };
var controllerDll = new Option<string>("--controller-dll") { Description = "The controller to run for the scale scenario.", DefaultValueFactory = _ => Path.Combine(repoRoot, "src", "MultiClusterLease.Controller", "bin", configuration, "net10.0", "MultiClusterLease.Controller.dll") };
var controllerGc = new Option<string>("--controller-gc") { Description = "The controller's GC: default (as shipped: server GC), server, or workstation.", DefaultValueFactory = _ => "default" };
controllerGc.AcceptOnlyFromAmong("default", "server", "workstation");
var controllerLogLevel = new Option<string?>("--controller-log-level") { Description = "The controller's log level (Logging__LogLevel__Default), e.g. Warning. Default: as shipped (Information)." };
var controllerEnv = new Option<string[]>("--controller-env") { Description = "Extra KEY=VALUE environment variables for the controller process (repeatable), e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0.", AllowMultipleArgumentsPerToken = false };
var output = new Option<string>("--output") { Description = "The results file.", DefaultValueFactory = _ => Path.Combine(repoRoot, "bench", "results.json") };
var quick = new Option<bool>("--quick") { Description = "A fast smoke run (about 3 minutes): few runs, short windows, 100 leases." };
var verbose = new Option<bool>("--verbose") { Description = "Log everything the code under test logs." };
var seed = new Option<int>("--seed") { Description = "Seed of the random phases.", DefaultValueFactory = _ => 1 };

var root = new RootCommand("MultiClusterLease benchmarks: acquisition, graceful handover, crash failover, cost, scale and client cost, on the sandbox with injected latency. Writes a table and bench/results.json.")
{
    gcsLatency, kubeLatency, scenarios, timings, shortTimings, acquisitionRuns, handoverRuns, handoverParallel, failoverRuns,
    failoverShortRuns, failoverParallel, costSeconds, scaleLeases, scaleWarmup, scaleSeconds, scaleReal, controllerDll, controllerGc,
    controllerLogLevel, controllerEnv, output, quick, verbose, seed,
};

root.SetAction(async (parse, cancellationToken) =>
{
    var isQuick = parse.GetValue(quick);
    var selected = parse.GetValue(scenarios)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();
    if (selected.Contains("all"))
    {
        selected = [.. BenchSettings.AllScenarios];
    }

    selected = [.. selected.Select(s => s == "client" ? "cost" : s).Distinct()];
    var unknown = selected.Except(BenchSettings.AllScenarios).ToList();
    if (unknown.Count > 0)
    {
        await Console.Error.WriteLineAsync($"error: unknown scenario(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", BenchSettings.AllScenarios)}, client, all");
        return 2;
    }

    BenchSettings settings;
    try
    {
        settings = new BenchSettings
        {
            RepoRoot = repoRoot,
            GcsLatencyMs = parse.GetValue(gcsLatency),
            KubernetesLatencyMs = parse.GetValue(kubeLatency),
            Scenarios = selected,
            Timings = LeaseTimings.Parse(parse.GetValue(timings)!),
            ShortTimings = LeaseTimings.Parse(parse.GetValue(shortTimings)!),
            AcquisitionRuns = parse.GetValue(acquisitionRuns) ?? (isQuick ? 5 : 20),
            WarmupRuns = isQuick ? 1 : 2,
            HandoverRuns = parse.GetValue(handoverRuns) ?? (isQuick ? 3 : 20),
            HandoverParallel = parse.GetValue(handoverParallel),
            FailoverRuns = parse.GetValue(failoverRuns) ?? (isQuick ? 2 : 20),
            FailoverShortRuns = parse.GetValue(failoverShortRuns) ?? (isQuick ? 4 : 20),
            FailoverParallel = parse.GetValue(failoverParallel),
            CostSeconds = parse.GetValue(costSeconds) ?? (isQuick ? 12 : 60),
            ScaleLeases = parse.GetValue(scaleLeases) is { } counts
                ? [.. counts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
                : isQuick ? [100] : [100, 1000],
            ScaleWarmupSeconds = parse.GetValue(scaleWarmup) ?? (isQuick ? 5 : 20),
            ScaleSeconds = parse.GetValue(scaleSeconds) ?? (isQuick ? 15 : 60),
            ScaleRealCandidates = parse.GetValue(scaleReal),
            ControllerDll = Path.GetFullPath(parse.GetValue(controllerDll)!),
            ControllerGc = parse.GetValue(controllerGc)!,
            ControllerLogLevel = parse.GetValue(controllerLogLevel),
            ControllerEnvironment = parse.GetValue(controllerEnv) ?? [],
            Output = Path.GetFullPath(parse.GetValue(output)!),
            Quick = isQuick,
            Verbose = parse.GetValue(verbose),
            Seed = parse.GetValue(seed),
        };
    }
    catch (FormatException ex)
    {
        await Console.Error.WriteLineAsync($"error: {ex.Message}");
        return 2;
    }

    foreach (var t in new[] { settings.Timings, settings.ShortTimings })
    {
        if (t.Problem() is { } problem)
        {
            await Console.Error.WriteLineAsync($"error: timings {t}: {problem}");
            return 2;
        }
    }

    var machine = MachineInfo.Read();
    var command = "dotnet MultiClusterLease.Benchmarks.dll " + string.Join(' ', args);
    Say.Heading($"MultiClusterLease benchmarks ({configuration} build): {string.Join(", ", settings.Scenarios)}; GCS +{settings.GcsLatencyMs} ms, Kubernetes API +{settings.KubernetesLatencyMs} ms per request");
    Say.Line($"machine: {machine.Processors} processors ({machine.Cpu}), {machine.MemoryGiB} GiB, {machine.Os}, {machine.DotNet}; load average {machine.LoadAverageAtStart}");
    if (configuration != "Release")
    {
        Say.Warn("this is a Debug build: timings hold, CPU figures do not (make bench builds Release)");
    }

    var clock = Stopwatch.StartNew();
    var metrics = new List<Metric>();
    var failures = new List<string>();
    var steps = new (string Name, Func<BenchSettings, CancellationToken, Task<IReadOnlyList<Metric>>> Run)[]
    {
        ("acquisition", AcquisitionScenario.RunAsync),
        ("handover", HandoverScenario.RunAsync),
        ("failover", FailoverScenario.RunAsync),
        ("cost", CostScenario.RunAsync),
        ("scale", ScaleScenario.RunAsync),
        ("sharding", ShardingScenario.RunAsync),
    };
    foreach (var (name, run) in steps)
    {
        if (!settings.Runs(name))
        {
            continue;
        }

        try
        {
            metrics.AddRange(await run(settings, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failures.Add(name);
            Say.Warn($"{name} failed: {ex}");
        }
    }

    machine.LoadAverageAtEnd = MachineInfo.LoadAverage();
    Report.PrintTable(metrics);
    await Report.WriteJsonAsync(settings.Output, settings, machine, command, clock.Elapsed, metrics);
    var markdown = Path.Combine(repoRoot, "bench", "out", "results.md");
    Directory.CreateDirectory(Path.GetDirectoryName(markdown)!);
    await File.WriteAllTextAsync(markdown, Report.Markdown(metrics), cancellationToken);
    Say.Line($"wrote {Path.GetRelativePath(repoRoot, settings.Output)} and {Path.GetRelativePath(repoRoot, markdown)} in {clock.Elapsed:mm\\:ss}; load average {machine.LoadAverageAtEnd}");

    // Goals are reported, not enforced: a missed goal is a finding, not a failed run.
    return failures.Count == 0 ? 0 : 1;
});

return await root.Parse(args).InvokeAsync();
