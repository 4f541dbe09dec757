using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MultiClusterLease.Election.Reconciliation;
using MultiClusterLease.Kubernetes.Watching;
using Lease = MultiClusterLease.Kubernetes.Api.V1Alpha1.V1Alpha1MultiClusterLease;

namespace MultiClusterLease.Tests.Reconciliation.Pipeline;

/// <summary>One object's store for the pipeline's unit tests: records the patches, fails the next ones on demand.</summary>
internal sealed class InMemoryLeaseStore : IMultiClusterLeaseStore
{
    public Lease? Current { get; set; }

    public List<JsonObject> StatusPatches { get; } = [];

    public List<JsonObject> Patches { get; } = [];

    /// <summary>Gets the status codes the next <see cref="PatchAsync"/> calls fail with, in order.</summary>
    public Queue<int> PatchFailures { get; } = new();

    public Task<Lease> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
        => Current is { } lease ? Task.FromResult(lease) : throw Status(404);

    public Task PatchStatusAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
    {
        StatusPatches.Add(JsonNode.Parse(mergePatch)!.AsObject());
        return Task.CompletedTask;
    }

    public Task PatchAsync(string @namespace, string name, string mergePatch, CancellationToken cancellationToken)
    {
        if (PatchFailures.TryDequeue(out var code))
        {
            throw Status(code);
        }

        Patches.Add(JsonNode.Parse(mergePatch)!.AsObject());
        return Task.CompletedTask;
    }

    public IResourceListWatch<Lease> ListWatch(string? @namespace) => throw new NotSupportedException("the pipeline's pieces never list");

    private static KubernetesException Status(int code) => new(new V1Status { Code = code });
}
