using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes.Admission;

/// <summary>The write whose body is checked: the wording of a strict-decoding error depends on it.</summary>
internal enum WriteVerb
{
    Create,
    Update,
    Patch,
}

/// <summary>
/// The <c>fieldValidation</c> query parameter of create, update and patch (server-side field validation, GA in
/// Kubernetes 1.27), for custom resources: unknown fields are pruned (<see cref="UnknownFieldPruner"/>), and then
/// <c>Warn</c> (the default) reports each in a <c>Warning</c> response header, <c>Ignore</c> says nothing, and
/// <c>Strict</c> refuses the request with 400 BadRequest. Built-in kinds are not checked here (the sandbox has no schema
/// for them).
/// </summary>
internal sealed class FieldValidation
{
    private readonly string _directive;

    private FieldValidation(string directive) => _directive = directive;

    /// <summary>Reads the directive of a request.</summary>
    /// <param name="value">The query parameter's value; empty for the default, Warn.</param>
    /// <param name="verb">The write.</param>
    /// <returns>The directive.</returns>
    /// <exception cref="ApiException">422 Invalid for a value other than Strict, Warn or Ignore.</exception>
    public static FieldValidation Parse(string? value, WriteVerb verb) => value switch
    {
        null or "" or "Warn" => new("Warn"),
        "Strict" or "Ignore" => new(value),
        _ => throw new ApiException(
            422,
            "Invalid",
            $"{verb}Options.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"{value}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""),
    };

    /// <summary>Prunes an object's unknown fields and applies the directive.</summary>
    /// <param name="type">The resource.</param>
    /// <param name="obj">The decoded body (create, update) or the patched object (patch); pruned in place.</param>
    /// <param name="verb">The write.</param>
    /// <returns>The warnings to send, e.g. <c>unknown field "spec.foo"</c>.</returns>
    /// <exception cref="ApiException">400 BadRequest under Strict when a field is unknown.</exception>
    public IReadOnlyList<string> Check(ResourceType type, JsonObject obj, WriteVerb verb)
    {
        if (type.Schema is null)
        {
            return [];
        }

        var unknown = UnknownFieldPruner.Prune(obj, type.Schema).Select(path => $"unknown field \"{path}\"").ToList();
        if (unknown.Count == 0 || _directive == "Ignore")
        {
            return [];
        }

        if (_directive == "Warn")
        {
            return unknown;
        }

        var error = "strict decoding error: " + string.Join(", ", unknown);
        throw ApiException.BadRequest(verb == WriteVerb.Patch
            ? error
            : $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {error}");
    }

    /// <summary>Formats a warning as the apiserver sends it: code 299, no agent, the text quoted.</summary>
    /// <param name="text">The warning.</param>
    /// <returns>The <c>Warning</c> header value, e.g. <c>299 - "unknown field \"spec.foo\""</c>.</returns>
    public static string WarningHeader(string text) =>
        $"299 - \"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}
