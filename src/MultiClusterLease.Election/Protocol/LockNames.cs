using System.Text.RegularExpressions;

namespace MultiClusterLease.Election.Protocol;

/// <summary>
/// Validates lock names: one or more <c>/</c>-separated segments of letters, digits, <c>.</c>, <c>_</c> and <c>-</c>,
/// each starting with a letter or digit, at most 512 characters (the CRD's <c>spec.lockName</c> pattern). The default
/// name <c>NAMESPACE/NAME</c> always qualifies. The name becomes part of an object name, so it must be safe there.
/// </summary>
public static partial class LockNames
{
    /// <summary>The longest accepted lock name.</summary>
    public const int MaxLength = 512;

    /// <summary>Checks a lock name.</summary>
    /// <param name="lockName">The name.</param>
    /// <param name="error">Why it is invalid, or <see langword="null"/>.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValid(string lockName, out string? error)
    {
        if (lockName.Length is 0 or > MaxLength || !Pattern().IsMatch(lockName))
        {
            error = $"invalid lockName '{lockName}': use 1 to {MaxLength} characters in '/'-separated segments of letters, digits, '.', '_' and '-', each starting with a letter or digit";
            return false;
        }

        error = null;
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?(/[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?)*$")]
    private static partial Regex Pattern();
}
