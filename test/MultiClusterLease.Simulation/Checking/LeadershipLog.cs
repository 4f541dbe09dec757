namespace MultiClusterLease.Simulation.Checking;

/// <summary>One term of leadership as the candidate itself saw it, on the reference clock.</summary>
internal sealed class Term(string identity, long fencingToken, TimeSpan start)
{
    public string Identity { get; } = identity;

    public long FencingToken { get; } = fencingToken;

    public TimeSpan Start { get; } = start;

    public TimeSpan? End { get; set; }
}

/// <summary>Records who led when: terms open on "started leading" and close on "stopped leading", a crash or a pause.</summary>
internal sealed class LeadershipLog
{
    private readonly Dictionary<string, Term> _open = new(StringComparer.Ordinal);

    public List<Term> Terms { get; } = [];

    public bool IsLeading(string identity) => _open.ContainsKey(identity);

    public string? CurrentLeader => _open.Keys.FirstOrDefault();

    public Term Start(string identity, long fencingToken, TimeSpan now)
    {
        Stop(identity, now);
        var term = new Term(identity, fencingToken, now);
        _open[identity] = term;
        Terms.Add(term);
        return term;
    }

    public bool Stop(string identity, TimeSpan now)
    {
        if (!_open.Remove(identity, out var term))
        {
            return false;
        }

        term.End = now;
        return true;
    }
}
