using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultiClusterLease.Kubernetes.Json;

/// <summary>
/// Reads any RFC 3339 time and writes Kubernetes <c>MicroTime</c>: UTC with exactly six fractional digits
/// (<c>2006-01-02T15:04:05.000000Z</c>), the layout the API server and Go clients use. The official client's converter
/// drops the fraction of a whole-second time; the Go implementation's schema and our CRD expect it always.
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
        return string.IsNullOrEmpty(text) ? null : MicroTime.Parse(text);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStringValue(MicroTime.Format(value.Value));
    }
}

/// <summary>Parsing and formatting of Kubernetes MicroTime (RFC 3339, six fractional digits).</summary>
public static class MicroTime
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

    /// <summary>Formats a time as Kubernetes MicroTime.</summary>
    /// <param name="value">The time.</param>
    /// <returns>The text, e.g. <c>2026-01-02T15:04:05.000000Z</c>.</returns>
    public static string Format(DateTimeOffset value)
        => value.UtcDateTime.ToString(MicroTimeConverter.Format, CultureInfo.InvariantCulture);
}
