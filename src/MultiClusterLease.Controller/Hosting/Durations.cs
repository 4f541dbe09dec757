using System.Globalization;
using System.Text.RegularExpressions;

namespace MultiClusterLease.Controller.Hosting;

/// <summary>Parses durations written as Kubernetes components take them: <c>15s</c>, <c>1500ms</c>, <c>1m30s</c>, <c>0.5s</c>.</summary>
internal static partial class Durations
{
    /// <summary>Parses a duration: one or more number-unit pairs, units <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration.</param>
    /// <returns>Whether the text is a valid, non-negative duration.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Whole().IsMatch(text))
        {
            return false;
        }

        foreach (Match part in Part().Matches(text))
        {
            var number = double.Parse(part.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            value += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromHours(number),
            };
        }

        return true;
    }

    [GeneratedRegex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$")]
    private static partial Regex Whole();

    [GeneratedRegex("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)")]
    private static partial Regex Part();
}
