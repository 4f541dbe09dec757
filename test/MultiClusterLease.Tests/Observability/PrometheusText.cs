using System.Globalization;
using System.Text;

namespace MultiClusterLease.Tests.Observability;

/// <summary>A strict reader of the Prometheus text format 0.0.4, for assertions on /metrics.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

internal static class PrometheusText
{
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"no value in '{line}'");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var i = brace + 1;
                while (line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    var key = line[i..eq];
                    Assert.Equal('"', line[eq + 1]);
                    var value = new StringBuilder();
                    var j = eq + 2;
                    for (; line[j] != '"'; j++)
                    {
                        if (line[j] == '\\')
                        {
                            j++;
                            value.Append(line[j] switch { 'n' => '\n', var c => c });
                        }
                        else
                        {
                            value.Append(line[j]);
                        }
                    }

                    labels[key] = value.ToString();
                    i = j + 1;
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }
            }
            else
            {
                name = line[..space];
            }

            var text2 = line[(space + 1)..];
            var number = text2 switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(text2, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new PrometheusSample(name, labels, number));
        }

        return samples;
    }

    /// <summary>The metric families of the <c># TYPE</c> lines: name → type.</summary>
    public static SortedDictionary<string, string> Types(string text)
    {
        var types = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            Assert.Equal(4, parts.Length);
            Assert.True(types.TryAdd(parts[2], parts[3]), $"family {parts[2]} is declared twice");
        }

        return types;
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public static IEnumerable<PrometheusSample> Find(string text, string name, params (string Key, string Value)[] labels)
        => Parse(text).Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The sum of the matching samples, or <see langword="null"/> when there is none.</summary>
    public static double? Value(string text, string name, params (string Key, string Value)[] labels)
    {
        var found = Find(text, name, labels).ToList();
        return found.Count == 0 ? null : found.Sum(s => s.Value);
    }
}
