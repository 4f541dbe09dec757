using System.Text;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>One part of a <c>multipart/related</c> body.</summary>
/// <param name="Headers">The part's headers, by lower-case name.</param>
/// <param name="Content">The part's content.</param>
internal sealed record MultipartPart(IReadOnlyDictionary<string, string> Headers, byte[] Content)
{
    /// <summary>Gets the part's media type, or <see langword="null"/>.</summary>
    public string? ContentType => Headers.GetValueOrDefault("content-type");
}

/// <summary>
/// Splits a <c>multipart/related</c> body (RFC 2046 §5.1, RFC 2387) the way GCS accepts it: lines may end with CRLF or
/// with LF alone (gcloud's uploads, written by Python's email generator, use LF), boundaries may be quoted in the
/// Content-Type, and a part may be <c>Content-Transfer-Encoding: base64</c>.
/// </summary>
internal static class MultipartRelated
{
    /// <summary>
    /// Gets the boundary of a <c>multipart/related</c> Content-Type, without the quotes around it: double quotes (RFC 2045),
    /// or single quotes as gcloud writes them (<c>boundary='===============123=='</c>).
    /// </summary>
    /// <param name="contentType">The Content-Type header.</param>
    /// <returns>The boundary, or <see langword="null"/> when the type is not multipart/related with a boundary.</returns>
    public static string? Boundary(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }

        var parameters = contentType.Split(';');
        if (!parameters[0].Trim().Equals("multipart/related", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var parameter in parameters.Skip(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && parameter[..equals].Trim().Equals("boundary", StringComparison.OrdinalIgnoreCase))
            {
                var value = parameter[(equals + 1)..].Trim();
                if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0])
                {
                    value = value[1..^1];
                }

                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }

    /// <summary>Parses a body.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="boundary">The boundary, unquoted.</param>
    /// <returns>The parts, or <see langword="null"/> when the body is not a multipart body with that boundary.</returns>
    public static IReadOnlyList<MultipartPart>? Parse(byte[] body, string boundary)
    {
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var span = body.AsSpan();
        var start = FindDelimiter(span, delimiter, 0);
        if (start < 0)
        {
            return null;
        }

        var parts = new List<MultipartPart>();
        var position = start + delimiter.Length;
        while (true)
        {
            if (span[position..].StartsWith("--"u8))
            {
                return parts;
            }

            // The rest of the delimiter line (transport padding), then the part.
            var lineEnd = span[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                return null;
            }

            var partStart = position + lineEnd + 1;
            var next = FindDelimiter(span, delimiter, partStart);
            if (next < 0)
            {
                return null;
            }

            // The line break before a delimiter belongs to the delimiter.
            var partEnd = next;
            if (partEnd > partStart && span[partEnd - 1] == '\n')
            {
                partEnd--;
                if (partEnd > partStart && span[partEnd - 1] == '\r')
                {
                    partEnd--;
                }
            }

            if (ParsePart(span[partStart..Math.Max(partStart, partEnd)]) is not { } part)
            {
                return null;
            }

            parts.Add(part);
            position = next + delimiter.Length;
        }
    }

    /// <summary>Finds a delimiter at the start of a line, from <paramref name="from"/>.</summary>
    private static int FindDelimiter(ReadOnlySpan<byte> body, ReadOnlySpan<byte> delimiter, int from)
    {
        var offset = from;
        while (offset <= body.Length - delimiter.Length)
        {
            var found = body[offset..].IndexOf(delimiter);
            if (found < 0)
            {
                return -1;
            }

            var at = offset + found;
            if (at == 0 || body[at - 1] == '\n')
            {
                return at;
            }

            offset = at + 1;
        }

        return -1;
    }

    private static MultipartPart? ParsePart(ReadOnlySpan<byte> part)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        while (true)
        {
            var lineEnd = part[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                // Headers only, no content.
                return new MultipartPart(headers, []);
            }

            var line = Encoding.ASCII.GetString(part.Slice(position, lineEnd)).TrimEnd('\r');
            position += lineEnd + 1;
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var content = part[position..].ToArray();
        if (headers.TryGetValue("content-transfer-encoding", out var encoding) && encoding.Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            content = Convert.FromBase64String(Encoding.ASCII.GetString(content));
        }

        return new MultipartPart(headers, content);
    }
}
