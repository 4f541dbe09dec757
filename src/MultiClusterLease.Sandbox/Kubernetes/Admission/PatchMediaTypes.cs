using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>
/// The PATCH body formats and what each does here. JSON patch and JSON merge patch are applied as specified.
/// Strategic merge patch needs the Go types' patch strategies, which custom resources do not have: for them the apiserver
/// answers 415, and so does this server; for the built-in kinds served here it is applied as a merge patch (none of
/// their fields sent by this project's clients has a merge strategy that differs). Server-side apply is not implemented
/// (no managedFields, no conflicts), so it is refused with 415 rather than approximated; <c>kubectl apply</c> without
/// <c>--server-side</c> works.
/// </summary>
internal static class PatchMediaTypes
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    /// <summary>Gets the function that applies a patch of this format.</summary>
    /// <param name="type">The patched resource.</param>
    /// <param name="contentType">The request's media type, without parameters.</param>
    /// <param name="patch">The parsed body.</param>
    /// <returns>Given the current object (which it may change), the patched one.</returns>
    /// <exception cref="ApiException">415 UnsupportedMediaType.</exception>
    public static Func<JsonNode?, JsonNode?> Patcher(ResourceType type, string contentType, JsonNode? patch) => contentType switch
    {
        JsonPatch => current => JsonPatching.JsonPatch(current, patch),
        MergePatch => current => JsonPatching.MergePatch(current, patch),
        StrategicMergePatch when type.CrdName is null => current => JsonPatching.MergePatch(current, patch),
        ApplyPatch => throw new ApiException(415, "UnsupportedMediaType", $"the sandbox API server does not implement server-side apply ({ApplyPatch}); use client-side kubectl apply, a merge patch ({MergePatch}) or a JSON patch ({JsonPatch})"),
        _ => throw Unsupported(type),
    };

    /// <summary>The apiserver's answer to a patch format the resource does not accept; it lists what the resource accepts.</summary>
    private static ApiException Unsupported(ResourceType type)
    {
        string[] accepted = type.CrdName is null ? [JsonPatch, MergePatch, StrategicMergePatch, ApplyPatch] : [JsonPatch, MergePatch, ApplyPatch];
        return new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");
    }
}
