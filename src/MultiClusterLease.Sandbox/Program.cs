using System.CommandLine;
using MultiClusterLease.Sandbox.Demo;
using MultiClusterLease.Sandbox.Environment;
using MultiClusterLease.Sandbox.Processes;
using MultiClusterLease.Sandbox.ShardingDemo;

var repoRoot = RepositoryRoot.Find();
string Built(string project) => Path.Combine(repoRoot, project, "bin", "Debug", "net10.0", $"{Path.GetFileName(project)}.dll");

var dir = new Option<string>("--dir") { Description = "Where the kubeconfig and logs go.", DefaultValueFactory = _ => Path.Combine(repoRoot, ".sandbox") };
var keep = new Option<bool>("--keep-running") { Description = "Keep the sandbox running after the demo, until Ctrl-C." };
var controller = new Option<string>("--controller") { Description = "Path to MultiClusterLease.Controller.dll.", DefaultValueFactory = _ => Built("src/MultiClusterLease.Controller") };
var candidate = new Option<string>("--candidate") { Description = "Path to MultiClusterLease.SampleApp.dll.", DefaultValueFactory = _ => Built("samples/MultiClusterLease.SampleApp") };
var clusters = new Option<int>("--clusters") { Description = "Number of clusters for 'serve'.", DefaultValueFactory = _ => 3 };

var demo = new Command("demo", "Run the 3-cluster demo: election, crash failover, graceful handover.") { dir, keep, controller, candidate };
demo.SetAction((parse, cancellationToken) => new DemoRunner(new DemoOptions
{
    Directory = Path.GetFullPath(parse.GetValue(dir)!),
    KeepRunning = parse.GetValue(keep),
    ControllerDll = parse.GetValue(controller)!,
    CandidateDll = parse.GetValue(candidate)!,
}).RunAsync(cancellationToken));

var sample = new Option<string>("--sample") { Description = "Path to MultiClusterLease.ShardingSample.dll.", DefaultValueFactory = _ => Built("samples/MultiClusterLease.ShardingSample") };
var skipGlobal = new Option<bool>("--skip-global") { Description = "Skip part 2 (two clusters, global fences)." };
var demoSharding = new Command("demo-sharding", "Run the sharding demo: 3 peers split 6 namespaces; graceful stop, restart, crash; then 2 clusters with global fences.") { dir, keep, sample, controller, skipGlobal };
demoSharding.SetAction((parse, cancellationToken) => new ShardingDemoRunner(new ShardingDemoOptions
{
    Directory = Path.GetFullPath(parse.GetValue(dir)!),
    KeepRunning = parse.GetValue(keep),
    SampleDll = parse.GetValue(sample)!,
    ControllerDll = parse.GetValue(controller)!,
    SkipGlobal = parse.GetValue(skipGlobal),
}).RunAsync(cancellationToken));

var serve = new Command("serve", "Start sandbox clusters and a fake GCS bucket, print the kubeconfig path, and run until Ctrl-C.") { dir, clusters };
serve.SetAction(async (parse, cancellationToken) =>
{
    var count = parse.GetValue(clusters);
    await using var sandbox = await SandboxEnvironment.StartAsync(
        new SandboxEnvironmentOptions
        {
            Directory = Path.GetFullPath(parse.GetValue(dir)!),
            Clusters = [.. Enumerable.Range(0, count).Select(i => $"cluster-{(char)('a' + i)}")],
        },
        cancellationToken);
    Console.WriteLine($"kubeconfig: {sandbox.KubeconfigPath}");
    Console.WriteLine($"GCS: {sandbox.Gcs.BaseAddress} (bucket {sandbox.Bucket}); controllers: --gcs-endpoint {sandbox.Gcs.BaseAddress} --gcs-bucket {sandbox.Bucket}");
    Console.WriteLine("Ctrl-C to stop.");
    try
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
    catch (OperationCanceledException)
    {
    }

    return 0;
});

var root = new RootCommand("MultiClusterLease sandbox: fake Kubernetes API servers and a fake GCS bucket on this machine.") { demo, demoSharding, serve };
return await root.Parse(args).InvokeAsync();
