using System.Text.RegularExpressions;

namespace MultiClusterLease.Sandbox.ShardingDemo;

/// <summary>
/// Who owns which shard, from the peers' own log lines ("Peer P owns shard S (fencing token N)", "Peer P released shard
/// S"), plus the kills the demo did; and every "RECONCILED configmap S/NAME" line checked against it: a peer may
/// reconcile only in a shard it owns, and a shard never has two owners.
/// </summary>
internal sealed partial class OwnershipTimeline
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];

    public int Reconciles { get; private set; }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_lock)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>Reads one log line of a peer.</summary>
    /// <returns>A short description of an ownership change, or <see langword="null"/>.</returns>
    public string? OnLine(string peer, string line)
    {
        lock (_lock)
        {
            if (Owns().Match(line) is { Success: true } owns)
            {
                var shard = owns.Groups["shard"].Value;
                if (_owners.TryGetValue(shard, out var other) && other != peer)
                {
                    _violations.Add($"{peer} took {shard} while {other} still owned it");
                }

                _owners[shard] = peer;
                return $"{peer} OWNS {shard} (fencing token {owns.Groups["token"].Value})";
            }

            if (Released().Match(line) is { Success: true } released)
            {
                var shard = released.Groups["shard"].Value;
                if (_owners.GetValueOrDefault(shard) == peer)
                {
                    _owners.Remove(shard);
                }

                return $"{peer} released {shard} ({released.Groups["reason"].Value})";
            }

            if (Reconciled().Match(line) is { Success: true } reconciled)
            {
                Reconciles++;
                var shard = reconciled.Groups["shard"].Value;
                if (_owners.GetValueOrDefault(shard) != peer)
                {
                    _violations.Add($"{peer} reconciled {shard}/{reconciled.Groups["name"].Value} without owning {shard}");
                }
            }

            return null;
        }
    }

    /// <summary>Records that a peer was killed: it owns nothing from now on.</summary>
    public void Killed(string peer)
    {
        lock (_lock)
        {
            foreach (var shard in _owners.Where(kv => kv.Value == peer).Select(kv => kv.Key).ToList())
            {
                _owners.Remove(shard);
            }
        }
    }

    [GeneratedRegex(@"Peer (?<peer>\S+) owns shard (?<shard>\S+) \(fencing token (?<token>\d+)\)")]
    private static partial Regex Owns();

    [GeneratedRegex(@"Peer (?<peer>\S+) released shard (?<shard>\S+) \(fencing token \d+\): (?<reason>.*)$")]
    private static partial Regex Released();

    [GeneratedRegex(@"RECONCILED configmap (?<shard>[^/\s]+)/(?<name>\S+)")]
    private static partial Regex Reconciled();
}
