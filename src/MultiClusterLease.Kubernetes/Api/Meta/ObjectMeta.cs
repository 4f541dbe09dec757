using System.Text.Json.Serialization;

namespace MultiClusterLease.Kubernetes.Api.Meta;

/// <summary>
/// The subset of Kubernetes <c>ObjectMeta</c> this project reads and writes
/// (see the Kubernetes API conventions, "Metadata").
/// </summary>
public sealed class ObjectMeta
{
    /// <summary>Gets or sets the object name.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>Gets or sets the namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>Gets or sets the server-assigned unique id.</summary>
    [JsonPropertyName("uid")] public string? Uid { get; set; }

    /// <summary>Gets or sets the opaque resource version used for optimistic concurrency and watch resume.</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }

    /// <summary>Gets or sets the generation: incremented by the API server on every spec change.</summary>
    [JsonPropertyName("generation")] public long? Generation { get; set; }

    /// <summary>Gets or sets the creation time (RFC 3339, seconds).</summary>
    [JsonPropertyName("creationTimestamp")] public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>Gets or sets the deletion time; set while finalizers hold a deleted object.</summary>
    [JsonPropertyName("deletionTimestamp")] public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>Gets or sets the finalizers.</summary>
    [JsonPropertyName("finalizers")] public List<string>? Finalizers { get; set; }

    /// <summary>Gets or sets the labels.</summary>
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Gets or sets the annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>The metadata of a list (<c>ListMeta</c>).</summary>
public sealed class ListMeta
{
    /// <summary>Gets or sets the resource version the list was read at; a watch resumes from it.</summary>
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }

    /// <summary>Gets or sets the continue token for paged lists.</summary>
    [JsonPropertyName("continue")] public string? Continue { get; set; }
}

/// <summary>A Kubernetes object with metadata.</summary>
public interface IKubernetesObject
{
    /// <summary>Gets or sets <c>apiVersion</c>.</summary>
    string? ApiVersion { get; set; }

    /// <summary>Gets or sets <c>kind</c>.</summary>
    string? Kind { get; set; }

    /// <summary>Gets or sets the metadata.</summary>
    ObjectMeta Metadata { get; set; }
}

/// <summary>A list of objects as returned by a list call.</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class KubernetesList<T>
{
    /// <summary>Gets or sets <c>apiVersion</c>.</summary>
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }

    /// <summary>Gets or sets <c>kind</c>.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    /// <summary>Gets or sets the list metadata.</summary>
    [JsonPropertyName("metadata")] public ListMeta Metadata { get; set; } = new();

    /// <summary>Gets or sets the items.</summary>
    [JsonPropertyName("items")] public List<T> Items { get; set; } = [];
}
