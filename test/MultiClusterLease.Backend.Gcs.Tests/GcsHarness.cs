using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Sandbox.Gcs;

namespace MultiClusterLease.Backend.Gcs.Tests;

/// <summary>
/// A fake GCS server and a <see cref="GcsLockBackend"/> pointed at it over real HTTP, both on one fake clock: the
/// server's rate limit and the backend's backoff only see time pass when a test advances it.
/// </summary>
internal sealed class GcsHarness : IAsyncDisposable
{
    public const string Bucket = "mcl-test-bucket";

    private GcsHarness(FakeTimeProvider time, FakeGcsServer server, ServiceProvider services, string caller)
    {
        Time = time;
        Server = server;
        Services = services;
        Caller = caller;
        Backend = services.GetRequiredService<ILockBackend>();
    }

    public FakeTimeProvider Time { get; }

    public FakeGcsServer Server { get; }

    public ServiceProvider Services { get; }

    public ILockBackend Backend { get; }

    /// <summary>Gets the backend's User-Agent, unique to this harness.</summary>
    public string Caller { get; }

    public static async Task<GcsHarness> StartAsync(
        GcsGenerationMode generationMode = GcsGenerationMode.Increasing,
        Action<GcsLockBackendOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var server = await FakeGcsServer.StartAsync(
            new FakeGcsServerOptions { Buckets = [Bucket], GenerationMode = generationMode, TimeProvider = time, Seed = 7 },
            CancellationToken.None);
        var caller = $"mcl-test-{Guid.NewGuid():N}";
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddGcsLockBackend(options =>
            {
                options.Bucket = Bucket;
                options.Endpoint = server.BaseAddress;
                options.UserAgent = caller;

                // Generous on the fake clock, so advancing it while a request is in flight never times the request out.
                options.RequestTimeout = TimeSpan.FromSeconds(30);
                options.OperationTimeout = TimeSpan.FromSeconds(120);
                configure?.Invoke(options);
            })
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new GcsHarness(time, server, services, caller);
    }

    public static string ObjectName(string lockName) => $"leases/{lockName}";

    public static LockRecord Record(string holder, long epoch = 1, string? nonce = null) => new()
    {
        HolderIdentity = holder,
        RenewTime = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234560),
        LeaseDurationSeconds = 15,
        LeaseTransitions = (int)epoch - 1,
        AcquireTime = new DateTimeOffset(2025, 6, 1, 11, 59, 0, TimeSpan.Zero),
        Epoch = epoch,
        Nonce = nonce ?? Guid.NewGuid().ToString("N"),
    };

    /// <summary>
    /// Runs an operation whose retries wait on the fake clock: advances it 50 ms at a time, with a short real pause
    /// between steps, until the operation completes (bounded).
    /// </summary>
    public async Task<T> RunAsync<T>(Task<T> operation)
    {
        for (var step = 0; step < 2000 && !operation.IsCompleted; step++)
        {
            await Task.WhenAny(operation, Task.Delay(10));
            if (!operation.IsCompleted)
            {
                Time.Advance(TimeSpan.FromMilliseconds(50));
            }
        }

        return await operation.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Waits (real time, bounded) until a condition holds, without moving the fake clock.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"timed out waiting until {what}");
    }

    public (string Body, long Generation) StoredObject(string lockName)
    {
        Assert.True(Server.TryGetObject(Bucket, ObjectName(lockName), out var body, out var generation), $"object of {lockName} exists");
        return (Encoding.UTF8.GetString(body), generation);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
