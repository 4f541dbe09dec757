using System.Text;

namespace MultiClusterLease.Sharding.Observation;

/// <summary>Object names for peers and shards: the prefix plus the identity made a valid DNS-1123 subdomain (lower case;
/// characters other than letters, digits, '-' and '.' become '-'; at most 253 characters).</summary>
internal static class LeaseNames
{
    /// <summary>Builds a name.</summary>
    /// <param name="prefix">The prefix, e.g. <c>mcr-shard-</c>.</param>
    /// <param name="identity">The shard or peer.</param>
    /// <returns>The name.</returns>
    public static string For(string prefix, string identity)
    {
        var builder = new StringBuilder(prefix.Length + identity.Length);
        builder.Append(prefix);
        foreach (var c in identity.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        }

        var name = builder.ToString();
        if (name.Length > 253)
        {
            name = name[..253];
        }

        return name.Trim('-', '.');
    }
}
