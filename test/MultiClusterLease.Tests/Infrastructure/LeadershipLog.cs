namespace MultiClusterLease.Tests.Infrastructure;

/// <summary>Every leadership interval of every candidate, on one reference clock, with the invariants of the election.</summary>
internal sealed class LeadershipLog
{
    private readonly Lock _gate = new();
    private readonly List<Term> _terms = [];

    public sealed record Term(string Identity, long FencingToken, TimeSpan Start)
    {
        public TimeSpan? End { get; set; }
    }

    public IReadOnlyList<Term> Terms
    {
        get
        {
            lock (_gate)
            {
                return [.. _terms];
            }
        }
    }

    public string? CurrentLeader
    {
        get
        {
            lock (_gate)
            {
                return _terms.LastOrDefault(t => t.End is null)?.Identity;
            }
        }
    }

    public void Started(string identity, long token, TimeSpan at)
    {
        lock (_gate)
        {
            _terms.Add(new Term(identity, token, at));
        }
    }

    public void Stopped(string identity, TimeSpan at)
    {
        lock (_gate)
        {
            var open = _terms.LastOrDefault(t => t.Identity == identity && t.End is null);
            if (open is not null)
            {
                open.End = at;
            }
        }
    }

    /// <summary>Asserts that no two terms overlap and that every new term's fencing token is greater than all earlier ones.</summary>
    public void AssertSafe()
    {
        var terms = Terms.OrderBy(t => t.Start).ToList();
        for (var i = 1; i < terms.Count; i++)
        {
            var previous = terms[i - 1];
            var current = terms[i];
            Assert.True(previous.End is not null && previous.End <= current.Start,
                $"two leaders: {previous.Identity} [{previous.Start}–{previous.End}] and {current.Identity} from {current.Start}\n{Describe(terms)}");
            if (previous.Identity != current.Identity)
            {
                Assert.True(current.FencingToken > previous.FencingToken, $"fencing token did not grow: {previous.Identity}={previous.FencingToken}, {current.Identity}={current.FencingToken}\n{Describe(terms)}");
            }
            else
            {
                Assert.True(current.FencingToken >= previous.FencingToken, $"fencing token went back for {current.Identity}\n{Describe(terms)}");
            }
        }
    }

    private static string Describe(IEnumerable<Term> terms)
        => string.Join("\n", terms.Select(t => $"  {t.Identity} token {t.FencingToken}: {t.Start} – {t.End?.ToString() ?? "now"}"));
}
