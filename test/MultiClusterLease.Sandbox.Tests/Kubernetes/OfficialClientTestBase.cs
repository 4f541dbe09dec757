using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static MultiClusterLease.Sandbox.Tests.Kubernetes.ApiClient;

namespace MultiClusterLease.Sandbox.Tests.Kubernetes;

/// <summary>A fake API server per test, driven by the official KubernetesClient (and kubectl).</summary>
public abstract class OfficialClientTestBase : ServerTestBase, IDisposable
{
    private k8s.Kubernetes? _client;
    private Kubectl? _kubectl;

    /// <summary>Gets the official client, connected to the server (any bearer token is accepted).</summary>
    protected IKubernetes Client => _client ??= new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.BaseAddress.ToString(), AccessToken = "anything" });

    /// <summary>Gets kubectl with a kubeconfig for the server.</summary>
    internal Kubectl Kubectl => _kubectl ??= new Kubectl(Server);

    public void Dispose()
    {
        _client?.Dispose();
        _kubectl?.Dispose();
    }

    /// <summary>A MultiClusterLease with a valid spec, as the official client sends it.</summary>
    protected static McLease NewLease(string name, string holder = "pod-a", params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Finalizers = finalizers.Length > 0 ? finalizers : null },
        Spec = new JsonObject { ["holderIdentity"] = holder, ["leaseDurationSeconds"] = 15, ["renewDeadlineSeconds"] = 10 },
    };

    protected Task<object> CreateAsync(McLease lease) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync(lease, Group, ApiVersion, "default", Plural);

    protected async Task<McLease> GetAsync(string name) =>
        Convert(await Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, ApiVersion, "default", Plural, name));

    protected Task<object> PatchAsync(string name, V1Patch patch) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, ApiVersion, "default", Plural, name);

    /// <summary>Reads the answer of a custom-object call (a <see cref="JsonElement"/>) as a typed object.</summary>
    protected static McLease Convert(object answer) => KubernetesJson.Deserialize<McLease>(((JsonElement)answer).GetRawText());

    /// <summary>Runs a call the server must refuse; returns the status code and the Status body.</summary>
    protected static async Task<(HttpStatusCode Code, JsonObject Status)> RefusedAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal((int)e.Response.StatusCode, (int)status["code"]!);
        return (e.Response.StatusCode, status);
    }

    /// <summary>A MultiClusterLease as a test reads it: spec and status left as JSON.</summary>
    protected sealed class McLease : IKubernetesObject<V1ObjectMeta>
    {
        [JsonPropertyName("apiVersion")]
        public string ApiVersion { get; set; } = $"{Group}/{ApiClient.ApiVersion}";

        [JsonPropertyName("kind")]
        public string Kind { get; set; } = "MultiClusterLease";

        [JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();

        [JsonPropertyName("spec")]
        public JsonObject? Spec { get; set; }

        [JsonPropertyName("status")]
        public JsonObject? Status { get; set; }
    }
}
