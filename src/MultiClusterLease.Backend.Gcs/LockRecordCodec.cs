using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// The JSON body of a lock object: <see cref="LockRecord"/>'s camelCase fields, times as RFC 3339 UTC with microseconds.
/// Objects written by the Go implementation (holderIdentity, renewTime, leaseDurationSeconds, leaseTransitions;
/// Go's RFC 3339 times with up to nanoseconds and any offset) decode with epoch 0 and no nonce.
/// </summary>
internal static class LockRecordCodec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new Rfc3339Converter() },
    };

    /// <summary>Encodes a record.</summary>
    /// <param name="record">The record.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] Encode(LockRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    /// <summary>Decodes an object body; a body that is not a lock record gives a snapshot with <see cref="LockSnapshot.CorruptionError"/>.</summary>
    /// <param name="body">The object data.</param>
    /// <param name="generation">The object generation.</param>
    /// <returns>The snapshot.</returns>
    public static LockSnapshot Decode(byte[] body, long generation)
    {
        if (body.Length == 0)
        {
            return Corrupt(generation, "the object is empty");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Corrupt(generation, $"expected a JSON object, found {root.ValueKind}");
            }

            foreach (var required in (ReadOnlySpan<string>)["holderIdentity", "renewTime"])
            {
                if (!root.TryGetProperty(required, out var value) || value.ValueKind != JsonValueKind.String)
                {
                    return Corrupt(generation, $"missing string field '{required}'");
                }
            }

            var record = root.Deserialize<LockRecord>(Options);
            return record is null
                ? Corrupt(generation, "the body is JSON null")
                : new LockSnapshot { Generation = generation, Record = record };
        }
        catch (JsonException ex)
        {
            return Corrupt(generation, $"not a valid lock record: {ex.Message}");
        }
    }

    private static LockSnapshot Corrupt(long generation, string error)
        => new() { Generation = generation, CorruptionError = error };

    /// <summary>RFC 3339: written in UTC with microseconds (like Kubernetes MicroTime); read with any precision and offset.</summary>
    private sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                if (reader.TryGetDateTimeOffset(out var value))
                {
                    return value;
                }

                // Go writes up to 9 fractional digits; .NET keeps 7 (100 ns ticks).
                if (DateTimeOffset.TryParseExact(
                        TrimFraction(reader.GetString()!),
                        ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"],
                        CultureInfo.InvariantCulture,
                        DateTimeStyles.None,
                        out value))
                {
                    return value;
                }
            }

            throw new JsonException($"expected an RFC 3339 time, e.g. 2025-01-02T03:04:05.123456Z, at {reader.TokenType}");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

        private static string TrimFraction(string text)
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return text;
            }

            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            return end - dot - 1 <= 7 ? text : string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
        }
    }
}
