using System.Diagnostics;
using k8s;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.E2E.Tests;

/// <summary>
/// One scenario: a CR name and a lock name of its own, its candidates and its leadership log. Disposing it stops the
/// candidates and deletes the CRs, waiting for the controllers to clear their finalizers.
/// </summary>
internal sealed class Scenario(E2EEnvironment environment, string name) : IAsyncDisposable
{
    private readonly List<Candidate> _candidates = [];

    public string CrName { get; } = $"election-{name}";

    public string LockName { get; } = environment.LockName(name);

    public LeadershipLog Log { get; } = new();

    public E2EEnvironment Environment => environment;

    public Site A => environment.Sites[0];

    public Site B => environment.Sites[1];

    public Candidate Start(Site site, string identity)
    {
        var candidate = Candidate.Start(site, CrName, $"{identity}-{environment.RunId}", LockName, Log);
        _candidates.Add(candidate);
        return candidate;
    }

    /// <summary>Reads a site's CR; <see langword="null"/> when absent.</summary>
    public Task<Lease?> GetAsync(Site site) => site.Api.GetLeaseAsync(site.Namespace, CrName);

    /// <summary>The holder and fencing token a site's CR reports.</summary>
    public async Task<(string Holder, long Token)> ReportedAsync(Site site)
        => await GetAsync(site) is { Status: { } status } ? (status.GlobalHolderIdentity ?? "", status.FencingToken ?? 0) : ("", 0);

    /// <summary>The messages of the Events a site's controller recorded on this scenario's CR with <paramref name="reason"/>.</summary>
    public async Task<IReadOnlyList<string>> EventMessagesAsync(Site site, string reason)
    {
        var events = await site.Api.CoreV1.ListNamespacedEventAsync(site.Namespace);
        return [.. events.Items.Where(e => e.InvolvedObject.Name == CrName && e.Reason == reason).Select(e => e.Message ?? "")];
    }

    /// <summary>The holder and epoch of the lock object.</summary>
    public async Task<(string Holder, long Epoch)?> LockAsync()
        => await environment.Locks.ReadAsync(LockName, CancellationToken.None) is { Record: { } record } ? (record.HolderIdentity, record.Epoch) : null;

    /// <summary>Polls until the condition holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }

    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout) => EventuallyAsync(() => Task.FromResult(condition()), timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var candidate in _candidates)
        {
            await candidate.DisposeAsync();
        }

        foreach (var site in environment.Sites)
        {
            await site.Api.DeleteLeaseAsync(site.Namespace, CrName);
        }

        foreach (var site in environment.Sites)
        {
            if (!await EventuallyAsync(async () => await GetAsync(site) is null, TimeSpan.FromSeconds(15)))
            {
                // The controller did not clear its finalizer: do it, so that the namespace can go.
                await site.Api.PatchLeaseAsync(site.Namespace, CrName, """{"metadata":{"finalizers":null}}""");
                Assert.Fail($"{site.Context}: {site.Namespace}/{CrName} kept the controller's finalizer {MultiClusterLeaseApi.Finalizer} for 15 s after deletion");
            }
        }
    }
}
