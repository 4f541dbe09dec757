using MultiClusterLease.Election.Reconciliation.Pipeline;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

public sealed class FinalizerEditorTests
{
    private readonly InMemoryLeaseStore _store = new();

    [Fact]
    public async Task A_conflict_adds_the_finalizer_to_the_freshest_version()
    {
        _store.Current = Lease("2");
        _store.PatchFailures.Enqueue(409);

        await new FinalizerEditor(_store).EnsureAsync(Lease("1"), CancellationToken.None);

        var patch = Assert.Single(_store.Patches);
        Assert.Equal("2", (string?)patch["metadata"]!["resourceVersion"]);
        Assert.Equal(MultiClusterLeaseApi.Finalizer, (string?)patch["metadata"]!["finalizers"]![0]);
    }

    [Fact]
    public async Task A_fresh_version_being_deleted_gets_no_finalizer()
    {
        var fresh = Lease("2");
        fresh.Metadata.DeletionTimestamp = DateTime.UtcNow;
        _store.Current = fresh;
        _store.PatchFailures.Enqueue(409);

        await new FinalizerEditor(_store).EnsureAsync(Lease("1"), CancellationToken.None);

        Assert.Empty(_store.Patches);
    }

    [Fact]
    public async Task Removal_keeps_other_finalizers_and_a_vanished_object_counts_as_removed()
    {
        var held = Lease("5");
        held.Metadata.Finalizers = ["other/keep", MultiClusterLeaseApi.Finalizer];
        _store.Current = held;
        var editor = new FinalizerEditor(_store);

        Assert.True(await editor.RemoveAsync(held, CancellationToken.None));
        var finalizers = _store.Patches.Single()["metadata"]!["finalizers"]!.AsArray();
        Assert.Equal(new[] { "other/keep" }, finalizers.Select(f => (string)f!));

        _store.Current = null;
        Assert.True(await editor.RemoveAsync(held, CancellationToken.None));
    }

    [Fact]
    public async Task A_conflicting_removal_asks_for_a_retry()
    {
        var held = Lease("5");
        held.Metadata.Finalizers = [MultiClusterLeaseApi.Finalizer];
        _store.Current = held;
        _store.PatchFailures.Enqueue(409);

        Assert.False(await new FinalizerEditor(_store).RemoveAsync(held, CancellationToken.None));
    }

    private static V1Alpha1MultiClusterLease Lease(string resourceVersion)
        => new() { Metadata = new() { Name = "a", NamespaceProperty = "ns", ResourceVersion = resourceVersion } };
}
