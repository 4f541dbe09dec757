using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultiClusterLease.Kubernetes.Json;

/// <summary>
/// Reads any RFC 3339 time and writes Kubernetes <c>MicroTime</c>: UTC with exactly six fractional digits
/// (<c>2006-01-02T15:04:05.000000Z</c>), the layout the API server and Go clients use.
/// </summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset?>
{
    /// <summary>The MicroTime format string.</summary>
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.GetString();
        return string.IsNullOrEmpty(text) ? null : KubernetesTime.Parse(text);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStringValue(value.Value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Reads any RFC 3339 time and writes Kubernetes <c>Time</c>: UTC, whole seconds (<c>2006-01-02T15:04:05Z</c>).
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => KubernetesTime.Parse(reader.GetString() ?? throw new JsonException("expected an RFC 3339 time"));

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteStringValue(KubernetesTime.FormatSeconds(value));
}

/// <summary>Parsing and formatting of Kubernetes times (RFC 3339).</summary>
public static class KubernetesTime
{
    /// <summary>Parses an RFC 3339 time with any number of fractional digits.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The time.</returns>
    /// <exception cref="JsonException">The text is not an RFC 3339 time.</exception>
    public static DateTimeOffset Parse(string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new JsonException($"'{text}' is not an RFC 3339 time");
    }

    /// <summary>Formats a time as RFC 3339 UTC with whole seconds.</summary>
    /// <param name="value">The time.</param>
    /// <returns>The text.</returns>
    public static string FormatSeconds(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats a time as Kubernetes MicroTime.</summary>
    /// <param name="value">The time.</param>
    /// <returns>The text.</returns>
    public static string FormatMicro(DateTimeOffset value)
        => value.UtcDateTime.ToString(MicroTimeConverter.Format, CultureInfo.InvariantCulture);
}

/// <summary>The JSON settings for Kubernetes objects: property names as declared, nulls omitted, Kubernetes times.</summary>
public static class KubernetesJson
{
    /// <summary>Gets the shared serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new KubernetesTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
