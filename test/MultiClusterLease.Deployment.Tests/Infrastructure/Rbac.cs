using System.Text.Json.Nodes;
using System.Web;

namespace MultiClusterLease.Deployment.Tests.Infrastructure;

/// <summary>One Kubernetes API request as RBAC sees it.</summary>
internal sealed record ApiRequest(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    public string FullResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";

    /// <summary>Classifies an HTTP request to the API server the way the authorizer does, or returns
    /// <see langword="null"/> for a non-resource URL (discovery, /version, ...).</summary>
    public static ApiRequest? FromHttp(string method, string pathAndQuery)
    {
        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        var query = HttpUtility.ParseQueryString(queryStart < 0 ? "" : pathAndQuery[(queryStart + 1)..]);
        var parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        string group;
        int rest;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            group = "";
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            rest = 3;
        }
        else
        {
            return null;
        }

        var segments = parts[rest..];
        if (segments.Length == 0)
        {
            return null;
        }

        string? ns = null;
        if (segments[0] == "namespaces" && segments.Length >= 3)
        {
            ns = segments[1];
            segments = segments[2..];
        }

        var resource = segments[0];
        var name = segments.Length > 1 ? segments[1] : null;
        var subresource = segments.Length > 2 ? segments[2] : null;
        var watch = query["watch"] is "true" or "1";
        var verb = method.ToUpperInvariant() switch
        {
            "GET" when watch => "watch",
            "GET" when name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name is null => "deletecollection",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        // As the API server does: a list or watch of one name (fieldSelector metadata.name=NAME) is authorized as that
        // name, so RBAC resourceNames can allow it.
        if (verb is "list" or "watch" && query["fieldSelector"] is { } selector && selector.StartsWith("metadata.name=", StringComparison.Ordinal) && !selector.Contains(',', StringComparison.Ordinal))
        {
            name = selector["metadata.name=".Length..];
        }

        return new ApiRequest(verb, group, resource, subresource, ns, name);
    }

    public override string ToString()
        => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{FullResource}{(Namespace is null ? " (all namespaces)" : $" in {Namespace}")}{(Name is null ? "" : $" name={Name}")}";
}

/// <summary>One rule of a Role or ClusterRole.</summary>
internal sealed record RbacRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    public static RbacRule From(JsonNode rule) => new(
        [.. rule.Strings("apiGroups")],
        [.. rule.Strings("resources")],
        [.. rule.Strings("verbs")],
        [.. rule.Strings("resourceNames")]);

    public bool Allows(ApiRequest request)
        => (ApiGroups.Contains("*") || ApiGroups.Contains(request.Group))
            && (Resources.Contains("*") || Resources.Contains(request.FullResource))
            && (Verbs.Contains("*") || Verbs.Contains(request.Verb))
            && (ResourceNames.Count == 0 || (request.Name is not null && ResourceNames.Contains(request.Name)));

    /// <summary>Expands the rule into (group, resource, verb) triples, for exact comparisons.</summary>
    public IEnumerable<(string Group, string Resource, string Verb)> Grants()
        => from g in ApiGroups from r in Resources from v in Verbs select (g, r, v);
}

/// <summary>Evaluates the RBAC objects of a set of rendered manifests for one service account.</summary>
internal sealed class RbacModel(IReadOnlyList<KubeObject> objects)
{
    /// <summary>The rules that apply to a service account: (namespace the rule is limited to, or null for cluster-wide, rule).</summary>
    public IReadOnlyList<(string? Namespace, RbacRule Rule)> RulesFor(string serviceAccountNamespace, string serviceAccount)
    {
        var rules = new List<(string?, RbacRule)>();
        foreach (var binding in objects.Where(o => o.Kind is "ClusterRoleBinding" or "RoleBinding"))
        {
            var subjects = binding.Body.Items("subjects");
            if (!subjects.Any(s => s.StrOrNull("kind") == "ServiceAccount" && s.StrOrNull("name") == serviceAccount && s.StrOrNull("namespace") == serviceAccountNamespace))
            {
                continue;
            }

            var roleKind = binding.Body.Str("roleRef.kind");
            var roleName = binding.Body.Str("roleRef.name");
            var role = objects.SingleOrDefault(o => o.Kind == roleKind && o.Name == roleName && (roleKind == "ClusterRole" || o.Namespace == binding.Namespace))
                ?? throw new InvalidOperationException($"{binding} refers to a missing {roleKind} {roleName}");
            var scope = binding.Kind == "ClusterRoleBinding" ? null : binding.Namespace;
            rules.AddRange(role.Body.Items("rules").Select(r => (scope, RbacRule.From(r))));
        }

        return rules;
    }

    public bool Allows(string serviceAccountNamespace, string serviceAccount, ApiRequest request)
        => RulesFor(serviceAccountNamespace, serviceAccount).Any(r => (r.Namespace is null || r.Namespace == request.Namespace) && r.Rule.Allows(request));
}
