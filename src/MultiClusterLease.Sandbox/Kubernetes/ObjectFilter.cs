using System.Text.Json.Nodes;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>
/// A parsed <c>labelSelector</c> and <c>fieldSelector</c>. Labels: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k</c>, <c>!k</c>,
/// <c>k in (a,b)</c>, <c>k notin (a,b)</c>. Fields: <c>path=v</c>, <c>path==v</c>, <c>path!=v</c> where path is any dotted
/// path into the object, e.g. <c>metadata.name</c> (more lenient than the apiserver, which allows only a few per type);
/// a missing field reads as the empty string.
/// </summary>
internal sealed class ObjectFilter
{
    private readonly List<Func<JsonObject, bool>> _tests = [];

    public static ObjectFilter All { get; } = new();

    /// <exception cref="ApiException">400 on a malformed selector.</exception>
    public static ObjectFilter Parse(string? labelSelector, string? fieldSelector)
    {
        var filter = new ObjectFilter();
        foreach (var term in SplitTerms(labelSelector))
        {
            filter._tests.Add(ParseLabelTerm(term));
        }

        foreach (var term in SplitTerms(fieldSelector))
        {
            var (key, value, negate) = SplitEquality(term) ?? throw ApiException.BadRequest($"invalid field selector \"{term}\": only =, == and != are supported");
            var path = key.Split('.');
            filter._tests.Add(obj => (FieldValue(obj, path) == value) != negate);
        }

        return filter;
    }

    public bool Matches(JsonObject obj) => _tests.TrueForAll(t => t(obj));

    private static Func<JsonObject, bool> ParseLabelTerm(string term)
    {
        if (term.EndsWith(')'))
        {
            var open = term.IndexOf('(', StringComparison.Ordinal);
            var head = open < 0 ? [] : term[..open].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (head.Length != 2 || head[1] is not ("in" or "notin"))
            {
                throw ApiException.BadRequest($"invalid label selector term \"{term}\"");
            }

            var key = head[0];
            var values = term[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var negate = head[1] == "notin";
            return obj => (Label(obj, key) is { } v && values.Contains(v)) != negate;
        }

        if (SplitEquality(term) is { } equality)
        {
            var (k, value, neg) = equality;
            return obj => (Label(obj, k) == value) != neg;
        }

        return term.StartsWith('!') ? obj => Label(obj, term[1..].Trim()) is null : obj => Label(obj, term) is not null;
    }

    private static (string Key, string Value, bool Negate)? SplitEquality(string term)
    {
        foreach (var (op, negate) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return (term[..at].Trim(), term[(at + op.Length)..].Trim(), negate);
            }
        }

        return null;
    }

    private static string? Label(JsonObject obj, string key) => (string?)obj["metadata"]?["labels"]?[key];

    private static string FieldValue(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            node = (node as JsonObject)?[part];
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    /// <summary>Splits on commas outside parentheses.</summary>
    private static IEnumerable<string> SplitTerms(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            yield break;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i <= selector.Length; i++)
        {
            if (i == selector.Length || (selector[i] == ',' && depth == 0))
            {
                var term = selector[start..i].Trim();
                if (term.Length > 0)
                {
                    yield return term;
                }

                start = i + 1;
            }
            else if (selector[i] == '(')
            {
                depth++;
            }
            else if (selector[i] == ')')
            {
                depth--;
            }
        }
    }
}
