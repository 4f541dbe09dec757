using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MultiClusterLease.Sandbox.Kubernetes.Admission;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>The server's writes under the rules of <c>Admission/</c>, kept apart from the routing.</summary>
public sealed partial class FakeKubernetesApiServer
{
    /// <summary>Updates an object (PUT or PATCH) under the rules of an update: no new finalizer on an object being deleted.</summary>
    private JsonObject Update(ResourceType type, string? ns, string name, WriteScope scope, bool dryRun, Func<JsonObject, JsonObject> produce) =>
        _store.Update(type, ns, name, scope, current => scope == WriteScope.Main ? NoNewFinalizersWhileDeleting.Apply(type, name, current, produce) : produce(current), dryRun);

    /// <summary>Prunes the unknown fields of a written object under the request's <c>fieldValidation</c>; adds the warnings.</summary>
    private static void Decode(HttpContext context, ResourceType type, JsonObject obj, WriteVerb verb)
    {
        foreach (var warning in FieldValidation.Parse(context.Request.Query["fieldValidation"], verb).Check(type, obj, verb))
        {
            context.Response.Headers.Append("Warning", FieldValidation.WarningHeader(warning));
        }
    }
}
