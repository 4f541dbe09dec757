using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>
/// The discovery documents (legacy, unaggregated: kubectl falls back to them when answered with plain
/// <c>application/json</c>) and a minimal OpenAPI v3. The OpenAPI documents exist so that kubectl's default client-side
/// <c>--validate=strict</c> finds a PATCH operation with a <c>fieldValidation</c> parameter for each kind and leaves
/// validation to the server; since no PATCH operation accepts strategic merge patch, <c>kubectl apply</c> sends JSON merge
/// patches.
/// </summary>
internal static class ApiDiscovery
{
    public const string ServerVersion = "v1.32.0-sandbox";

    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = ServerVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-01-01T00:00:00Z",
        ["goVersion"] = "go1.23",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(IReadOnlyList<ResourceType> types) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(types.Where(t => t.Group.Length > 0).Select(t => t.Group).Distinct()
            .Select(g => (JsonNode?)Group(types, g)).ToArray()),
    };

    public static JsonObject? Group(IReadOnlyList<ResourceType> types, string group)
    {
        var versions = types.Where(t => t.Group == group).GroupBy(t => t.Version).ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        JsonObject Entry(string version) => new() { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        var preferred = versions.FirstOrDefault(v => v.Any(t => t.PreferredVersion))?.Key ?? versions[0].Key;
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)Entry(v.Key)).ToArray()),
            ["preferredVersion"] = Entry(preferred),
        };
    }

    public static JsonObject? ResourceList(IReadOnlyList<ResourceType> types, string group, string version)
    {
        var served = types.Where(t => t.Group == group && t.Version == version).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in served)
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(Verbs.Select(v => (JsonNode?)v).ToArray()),
                ["shortNames"] = new JsonArray(type.ShortNames.Select(n => (JsonNode?)n).ToArray()),
                ["categories"] = new JsonArray(type.Categories.Select(n => (JsonNode?)n).ToArray()),
            });
            if (type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = served[0].GroupVersion,
            ["resources"] = resources,
        };
    }

    /// <summary>The OpenAPI v3 index: one entry per group version, e.g. <c>apis/coordination.k8s.io/v1</c>.</summary>
    public static JsonObject OpenApiIndex(IReadOnlyList<ResourceType> types, int revision)
    {
        var paths = new JsonObject();
        foreach (var path in types.Select(OpenApiPath).Distinct())
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={revision:X8}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The OpenAPI v3 document of one group version (<paramref name="path"/> as in the index).</summary>
    public static JsonObject? OpenApiDocument(IReadOnlyList<ResourceType> types, string path)
    {
        var served = types.Where(t => OpenApiPath(t) == path).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in served)
        {
            var gvk = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
            var schemaId = string.Join('.', type.Group.Split('.').Reverse().Append(type.Version).Append(type.Kind).Where(p => p.Length > 0));
            var schema = type.Schema?.DeepClone().AsObject() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
            schemas[schemaId] = schema;

            JsonObject Body() => new() { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaId}" } };
            JsonObject Parameter(string name) => new() { ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } };
            var patch = new JsonObject
            {
                ["operationId"] = $"patch{type.Kind}",
                ["x-kubernetes-action"] = "patch",
                ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
                ["parameters"] = new JsonArray(Parameter("dryRun"), Parameter("fieldManager"), Parameter("fieldValidation")),
                ["requestBody"] = new JsonObject
                {
                    ["content"] = new JsonObject
                    {
                        ["application/json-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                        ["application/merge-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                    },
                    ["required"] = true,
                },
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = Body() } } },
            };
            var get = new JsonObject
            {
                ["operationId"] = $"read{type.Kind}",
                ["x-kubernetes-action"] = "get",
                ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = Body() } } },
            };
            var prefix = "/" + path + (type.Namespaced ? "/namespaces/{namespace}" : "");
            paths[$"{prefix}/{type.Plural}/{{name}}"] = new JsonObject { ["get"] = get, ["patch"] = patch };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = ServerVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string OpenApiPath(ResourceType type) => type.Group.Length == 0 ? $"api/{type.Version}" : $"apis/{type.Group}/{type.Version}";
}
