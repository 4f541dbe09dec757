using System.Text;

namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>One page of <c>objects.list</c>: objects, and with a delimiter the "directories" (<c>prefixes</c>).</summary>
/// <param name="Items">The objects on this page.</param>
/// <param name="Prefixes">The prefixes on this page.</param>
/// <param name="NextPageToken">The token of the next page, or <see langword="null"/> on the last page.</param>
internal sealed record ObjectListing(IReadOnlyList<StoredObject> Items, IReadOnlyList<string> Prefixes, string? NextPageToken)
{
    /// <summary>The most entries a page holds, and the default (https://cloud.google.com/storage/docs/json_api/v1/objects/list).</summary>
    public const int MaxResults = 1000;

    /// <summary>
    /// Lists like GCS: objects whose names start with <paramref name="prefix"/>; with a <paramref name="delimiter"/>,
    /// names with the delimiter after the prefix collapse into one prefix each (up to and including the delimiter).
    /// Objects and prefixes are paged together in name order, <paramref name="maxResults"/> at a time.
    /// </summary>
    /// <param name="objects">The live objects of the bucket, in any order.</param>
    /// <param name="prefix">The name prefix; empty for all.</param>
    /// <param name="delimiter">The delimiter; empty for none.</param>
    /// <param name="maxResults">Entries per page, 1 to <see cref="MaxResults"/>.</param>
    /// <param name="pageToken">A previous page's <see cref="NextPageToken"/>; empty for the first page.</param>
    /// <returns>The page.</returns>
    public static ObjectListing Page(IEnumerable<StoredObject> objects, string prefix, string delimiter, int maxResults, string pageToken)
    {
        var after = pageToken.Length == 0 ? null : Encoding.UTF8.GetString(Convert.FromBase64String(pageToken));
        var entries = new SortedDictionary<string, StoredObject?>(StringComparer.Ordinal);
        foreach (var stored in objects)
        {
            if (!stored.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var at = delimiter.Length == 0 ? -1 : stored.Name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (at < 0)
            {
                entries[stored.Name] = stored;
            }
            else
            {
                entries.TryAdd(stored.Name[..(at + delimiter.Length)], null);
            }
        }

        var page = entries.Where(e => after is null || string.CompareOrdinal(e.Key, after) > 0).Take(maxResults + 1).ToList();
        var more = page.Count > maxResults;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        return new ObjectListing(
            [.. page.Where(e => e.Value is not null).Select(e => e.Value!)],
            [.. page.Where(e => e.Value is null).Select(e => e.Key)],
            more ? Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Key)) : null);
    }
}
