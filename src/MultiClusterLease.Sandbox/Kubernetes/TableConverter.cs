using System.Globalization;
using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>What a client asked for in <c>Accept</c>: the object itself, a <c>meta.k8s.io</c> Table, or PartialObjectMetadata.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="MetaVersion">The <c>meta.k8s.io</c> version asked for (v1 or v1beta1).</param>
/// <param name="IncludeObject">For tables: <c>None</c>, <c>Metadata</c> (default) or <c>Object</c>.</param>
internal sealed record OutputFormat(OutputShape Shape, string MetaVersion, string IncludeObject)
{
    public static OutputFormat Plain { get; } = new(OutputShape.Object, "v1", "Metadata");

    /// <summary>Picks the first media range of <paramref name="accept"/> that the server can produce.</summary>
    public static OutputFormat Negotiate(string? accept, string? includeObject)
    {
        foreach (var range in (accept ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var parameters = parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0].ToLowerInvariant(), p => p[1], StringComparer.Ordinal);
            parameters.TryGetValue("as", out var asKind);
            if (asKind is null)
            {
                return Plain;
            }

            if (parameters.GetValueOrDefault("g") != "meta.k8s.io")
            {
                continue;
            }

            var version = parameters.GetValueOrDefault("v") ?? "v1";
            switch (asKind)
            {
                case "Table":
                    return new OutputFormat(OutputShape.Table, version, includeObject ?? "Metadata");
                case "PartialObjectMetadata" or "PartialObjectMetadataList":
                    return new OutputFormat(OutputShape.PartialMetadata, version, "Metadata");
            }
        }

        return Plain;
    }
}

/// <summary>The representation of answers.</summary>
internal enum OutputShape
{
    Object,
    Table,
    PartialMetadata,
}

/// <summary>Server-side printing: turns objects into <c>meta.k8s.io</c> Tables the way the apiserver does for CRDs.</summary>
internal static class TableConverter
{
    private static readonly PrinterColumn AgeColumn = new("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, ".metadata.creationTimestamp");

    /// <summary>Builds a Table of <paramref name="items"/>.</summary>
    public static JsonObject ToTable(ResourceType type, IEnumerable<JsonObject> items, string? resourceVersion, OutputFormat format, DateTimeOffset now)
    {
        var columns = type.PrinterColumns.Count > 0 ? type.PrinterColumns : [AgeColumn];
        var definitions = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "Name",
                ["type"] = "string",
                ["format"] = "name",
                ["description"] = "Name must be unique within a namespace.",
                ["priority"] = 0,
            },
        };
        foreach (var column in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format ?? "",
                ["description"] = column.Description ?? "",
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray { JsonValue.Create((string?)item["metadata"]?["name"] ?? "") };
            foreach (var column in columns)
            {
                cells.Add(Cell(Evaluate(item, column.JsonPath), column.Type, now));
            }

            var row = new JsonObject { ["cells"] = cells };
            switch (format.IncludeObject)
            {
                case "Object":
                    row["object"] = item.DeepClone();
                    break;
                case "None":
                    break;
                default:
                    row["object"] = PartialMetadata(item, format.MetaVersion);
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/" + format.MetaVersion,
            ["metadata"] = resourceVersion is null ? new JsonObject() : new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    /// <summary>The object's metadata as a <c>PartialObjectMetadata</c>.</summary>
    public static JsonObject PartialMetadata(JsonObject item, string metaVersion) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/" + metaVersion,
        ["metadata"] = item["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    /// <summary>Formats an age the way kubectl does (<c>45s</c>, <c>3m20s</c>, <c>5h</c>, <c>2d3h</c>, <c>1y</c>).</summary>
    public static string HumanDuration(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 120)
        {
            return $"{Math.Max(seconds, 0)}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        var days = hours / 24;
        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        }

        if (days < 365 * 2)
        {
            return $"{days}d";
        }

        return days < 365 * 8 && days % 365 != 0 ? $"{days / 365}y{days % 365}d" : $"{days / 365}y";
    }

    private static JsonNode? Cell(JsonNode? value, string type, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return type == "date" && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? JsonValue.Create(HumanDuration(now - time))
                : JsonValue.Create(text);
        }

        return value is JsonValue ? value.DeepClone() : JsonValue.Create(value.ToJsonString());
    }

    /// <summary>Evaluates a simple JSONPath such as <c>.status.conditions[0].type</c>.</summary>
    private static JsonNode? Evaluate(JsonNode? node, string path)
    {
        path = path.Trim().TrimStart('{').TrimEnd('}').TrimStart('$');
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
            }

            if (name.Length > 0)
            {
                node = (node as JsonObject)?[name];
            }

            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(part.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                node = node is JsonArray array && index < array.Count ? array[index] : null;
                bracket = part.IndexOf('[', close);
            }
        }

        return node;
    }
}
