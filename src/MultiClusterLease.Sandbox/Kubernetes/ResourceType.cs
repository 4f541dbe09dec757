using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>A CRD's <c>additionalPrinterColumns</c> entry.</summary>
internal sealed record PrinterColumn(string Name, string Type, string? Format, string? Description, int Priority, string JsonPath);

/// <summary>
/// One served resource at one version: what discovery lists, what the router resolves, and how objects are checked.
/// Objects are stored per <see cref="StorageKey"/> (group and plural), so every served version of a resource sees the same
/// objects; no conversion happens between versions.
/// </summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    bool HasStatusSubresource,
    JsonObject? Schema,
    IReadOnlyList<PrinterColumn> PrinterColumns,
    bool PreferredVersion = true,
    string? CrdName = null)
{
    public const string CrdGroup = "apiextensions.k8s.io";

    private static readonly string[] NoNames = [];

    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], NoNames, false, null, []);
    public static readonly ResourceType Events = new("", "v1", "events", "event", "Event", true, ["ev"], NoNames, false, null, []);
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], NoNames, false, null, []);
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, NoNames, NoNames, false, null, []);
    public static readonly ResourceType CustomResourceDefinitions =
        new(CrdGroup, "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, ["crd", "crds"], ["api-extensions"], false, null, []);

    /// <summary>Gets the resources every server has.</summary>
    public static IReadOnlyList<ResourceType> BuiltIns { get; } = [Namespaces, Events, ConfigMaps, Leases, CustomResourceDefinitions];

    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string StorageKey => QualifiedResource;

    /// <summary>Gets e.g. <c>multiclusterleases.multicluster.core.cnrm.cloud.google.com</c>, or <c>namespaces</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public string ListKind => Kind + "List";

    public bool IsCrd => this == CustomResourceDefinitions;

    /// <summary>Reads the served versions of a CustomResourceDefinition; reports what makes it unusable.</summary>
    /// <param name="crd">The CRD object.</param>
    /// <param name="errors">Receives the problems; the result is empty when there are any.</param>
    /// <returns>One type per served version.</returns>
    public static IReadOnlyList<ResourceType> FromCrd(JsonObject crd, List<FieldError> errors)
    {
        string Required(JsonNode? node, string field)
        {
            var value = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if (value.Length == 0)
            {
                errors.Add(new FieldError("FieldValueRequired", field, "Required value"));
            }

            return value;
        }

        var spec = crd["spec"] as JsonObject;
        var names = spec?["names"] as JsonObject;
        var group = Required(spec?["group"], "spec.group");
        var plural = Required(names?["plural"], "spec.names.plural");
        var kind = Required(names?["kind"], "spec.names.kind");
        var singular = (string?)names?["singular"] ?? kind.ToLowerInvariant();
        var scope = (string?)spec?["scope"] ?? "Namespaced";
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(new FieldError("FieldValueNotSupported", "spec.scope", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""));
        }

        var crdName = (string?)crd["metadata"]?["name"] ?? "";
        if (plural.Length > 0 && group.Length > 0 && crdName != $"{plural}.{group}")
        {
            errors.Add(new FieldError("FieldValueInvalid", "metadata.name", $"Invalid value: \"{crdName}\": must be spec.names.plural+\".\"+spec.group"));
        }

        if (spec?["versions"] is not JsonArray versions || versions.Count == 0)
        {
            errors.Add(new FieldError("FieldValueRequired", "spec.versions", "Required value: must have exactly one version marked as storage version"));
            return [];
        }

        var shortNames = StringList(names?["shortNames"]);
        var categories = StringList(names?["categories"]);
        var result = new List<ResourceType>();
        var preferred = versions.OfType<JsonObject>().FirstOrDefault(v => (bool?)v["storage"] == true && (bool?)v["served"] != false)
            ?? versions.OfType<JsonObject>().FirstOrDefault(v => (bool?)v["served"] != false);
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] is not JsonObject v)
            {
                continue;
            }

            var name = Required(v["name"], $"spec.versions[{i}].name");
            if ((bool?)v["served"] == false || name.Length == 0)
            {
                continue;
            }

            var columns = new List<PrinterColumn>();
            if (v["additionalPrinterColumns"] is JsonArray printerColumns)
            {
                foreach (var c in printerColumns.OfType<JsonObject>())
                {
                    columns.Add(new PrinterColumn(
                        (string?)c["name"] ?? "",
                        (string?)c["type"] ?? "string",
                        (string?)c["format"],
                        (string?)c["description"],
                        (int?)c["priority"] ?? 0,
                        (string?)c["jsonPath"] ?? ""));
                }
            }

            result.Add(new ResourceType(
                group,
                name,
                plural,
                singular,
                kind,
                scope != "Cluster",
                shortNames,
                categories,
                v["subresources"]?["status"] is JsonObject,
                Materialize(v["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject),
                columns,
                ReferenceEquals(v, preferred),
                crdName));
        }

        return errors.Count == 0 ? result : [];
    }

    /// <summary>Checks an object of this type: its name, and for custom resources the CRD's schema (nulls the schema does
    /// not allow are pruned).</summary>
    /// <param name="obj">The object; may be changed by pruning.</param>
    /// <returns>The problems found.</returns>
    public List<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var name = (string?)obj["metadata"]?["name"] ?? "";
        if (!IsDnsSubdomain(name))
        {
            errors.Add(new FieldError("FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }

        if (Schema is not null)
        {
            SchemaValidator.Validate(obj, Schema, errors);
        }

        if (IsCrd)
        {
            FromCrd(obj, errors);
        }

        return errors;
    }

    /// <summary>Builds every node of a lazily parsed tree now, so that later concurrent reads never mutate it.</summary>
    private static JsonObject? Materialize(JsonObject? schema)
    {
        static void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        Walk(child);
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Walk(child);
                    }

                    break;
            }
        }

        Walk(schema);
        return schema;
    }

    private static bool IsDnsSubdomain(string name) =>
        name.Length is > 0 and <= 253
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');

    private static string[] StringList(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string?)n).OfType<string>().ToArray() : NoNames;
}
