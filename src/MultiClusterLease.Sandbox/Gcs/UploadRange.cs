using System.Globalization;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>A <c>Content-Range</c> of a resumable upload request: <c>bytes FIRST-LAST/TOTAL</c>, <c>bytes */TOTAL</c>, with <c>*</c> for an unknown total.</summary>
/// <param name="First">The first byte of the chunk; <see langword="null"/> for a status query (<c>bytes */…</c>).</param>
/// <param name="Last">The last byte of the chunk.</param>
/// <param name="Total">The total size, when the client says it.</param>
internal readonly record struct UploadRange(long? First, long? Last, long? Total)
{
    /// <summary>Parses the header; a missing header means "the whole upload is in this request".</summary>
    public static bool TryParse(string? header, long bodyLength, out UploadRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header))
        {
            range = new(0, bodyLength - 1, bodyLength);
            return true;
        }

        var text = header.Trim();
        if (!text.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = text[6..].Trim().Split('/');
        if (parts.Length != 2)
        {
            return false;
        }

        long? total = null;
        if (parts[1] != "*")
        {
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                return false;
            }

            total = t;
        }

        if (parts[0] == "*")
        {
            range = new(null, null, total);
            return true;
        }

        var bounds = parts[0].Split('-');
        if (bounds.Length != 2
            || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            return false;
        }

        range = new(first, last, total);
        return true;
    }

    /// <summary>Whether a request with this range completes an upload that has <paramref name="received"/> bytes before it.</summary>
    public bool Completes(long received)
        => Total is { } total && (Last is { } last ? last + 1 == total : total == received);
}
