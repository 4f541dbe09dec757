using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>
/// Checks an object against a CRD's structural <c>openAPIV3Schema</c>: type, required, properties, items,
/// additionalProperties (as a schema), minimum/maximum (with exclusive forms), minLength/maxLength, pattern, enum,
/// minItems/maxItems, nullable, x-kubernetes-int-or-string. Like the apiserver, it drops <c>null</c> fields whose schema
/// is not nullable. Not checked: x-kubernetes-validations (CEL), formats, allOf/anyOf/oneOf/not, list-type uniqueness.
/// Unknown fields are kept. Messages follow the apiserver's wording.
/// </summary>
internal static class SchemaValidator
{
    public static void Validate(JsonObject obj, JsonObject schema, List<FieldError> errors) => Check(obj, schema, "", errors);

    private static void Check(JsonNode? value, JsonObject schema, string path, List<FieldError> errors)
    {
        var field = path.Length == 0 ? "<root>" : path;
        if (value is null)
        {
            if ((bool?)schema["nullable"] != true)
            {
                errors.Add(Invalid(field, "null", $"{field} in body must be of type {(string?)schema["type"] ?? "object"}: \"null\""));
            }

            return;
        }

        var kind = value.GetValueKind();
        var type = (string?)schema["type"];
        var intOrString = (bool?)schema["x-kubernetes-int-or-string"] == true;
        if (intOrString ? !(kind == JsonValueKind.String || IsInteger(value)) : type is not null && !HasType(value, kind, type))
        {
            var actual = kind switch
            {
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                JsonValueKind.String => "string",
                JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
                _ => "boolean",
            };
            var expected = intOrString ? "integer or string" : type;
            errors.Add(Invalid(field, Render(value), $"{field} in body must be of type {expected}: \"{actual}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var list = string.Join(", ", allowed.Select(Render));
            errors.Add(new FieldError("FieldValueNotSupported", field, $"Unsupported value: {Render(value)}: supported values: {list}"));
        }

        switch (kind)
        {
            case JsonValueKind.Object:
                CheckObject(value.AsObject(), schema, path, errors);
                break;
            case JsonValueKind.Array:
                var array = value.AsArray();
                CheckCount(array.Count, schema, "minItems", "maxItems", "items", field, value, errors);
                if (schema["items"] is JsonObject itemSchema)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(array[i], itemSchema, $"{path}[{i}]", errors);
                    }
                }

                break;
            case JsonValueKind.String:
                var text = value.GetValue<string>();
                CheckCount(new StringInfo(text).LengthInTextElements, schema, "minLength", "maxLength", "chars", field, value, errors);
                if ((string?)schema["pattern"] is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    errors.Add(Invalid(field, Render(value), $"{field} in body should match '{pattern}'"));
                }

                break;
            case JsonValueKind.Number:
                CheckRange(value, schema, field, errors);
                break;
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<FieldError> errors)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach (var (name, child) in obj.ToArray())
        {
            var childSchema = properties?[name] as JsonObject ?? additional;
            if (childSchema is null)
            {
                continue;
            }

            if (child is null && (bool?)childSchema["nullable"] != true)
            {
                obj.Remove(name);
                continue;
            }

            Check(child, childSchema, Join(path, name), errors);
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r).OfType<string>())
            {
                if (!obj.ContainsKey(name))
                {
                    var field = Join(path, name);
                    errors.Add(new FieldError("FieldValueRequired", field, "Required value"));
                }
            }
        }
    }

    private static void CheckRange(JsonNode value, JsonObject schema, string field, List<FieldError> errors)
    {
        var number = ToDouble(value);
        if (schema["minimum"] is JsonValue min)
        {
            var bound = ToDouble(min);
            var exclusive = (bool?)schema["exclusiveMinimum"] == true;
            if (exclusive ? number <= bound : number < bound)
            {
                errors.Add(Invalid(field, Render(value), $"{field} in body should be greater than {(exclusive ? "" : "or equal to ")}{Render(min)}"));
            }
        }

        if (schema["maximum"] is JsonValue max)
        {
            var bound = ToDouble(max);
            var exclusive = (bool?)schema["exclusiveMaximum"] == true;
            if (exclusive ? number >= bound : number > bound)
            {
                errors.Add(Invalid(field, Render(value), $"{field} in body should be less than {(exclusive ? "" : "or equal to ")}{Render(max)}"));
            }
        }
    }

    private static void CheckCount(int count, JsonObject schema, string minKey, string maxKey, string unit, string field, JsonNode value, List<FieldError> errors)
    {
        if ((long?)schema[minKey] is { } min && count < min)
        {
            var what = unit == "items" ? $"should have at least {min} items" : $"should be at least {min} chars long";
            errors.Add(Invalid(field, Render(value), $"{field} in body {what}"));
        }

        if ((long?)schema[maxKey] is { } max && count > max)
        {
            var what = unit == "items" ? $"should have at most {max} items" : $"should be at most {max} chars long";
            errors.Add(Invalid(field, Render(value), $"{field} in body {what}"));
        }
    }

    private static bool HasType(JsonNode value, JsonValueKind kind, string type) => type switch
    {
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "number" => kind == JsonValueKind.Number,
        "integer" => IsInteger(value),
        _ => true,
    };

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && value.ToJsonString().IndexOfAny(['.', 'e', 'E']) < 0;

    private static double ToDouble(JsonNode value) => double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static FieldError Invalid(string field, string rendered, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {rendered}: {detail}");

    private static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ => value.ToJsonString(),
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
