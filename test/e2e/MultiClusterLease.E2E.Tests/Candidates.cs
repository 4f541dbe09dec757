using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;

namespace MultiClusterLease.E2E.Tests;

/// <summary>Every leadership term of every candidate of one scenario, on one reference clock.</summary>
internal sealed class LeadershipLog
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly List<Term> _terms = [];

    public TimeSpan Now => _clock.Elapsed;

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

    /// <summary>Gets the identity leading now, if any.</summary>
    public string? CurrentLeader => Terms.LastOrDefault(t => t.End is null)?.Identity;

    public void Started(string identity, long token)
    {
        lock (_gate)
        {
            _terms.Add(new Term(identity, token, Now, null));
        }
    }

    public void Stopped(string identity)
    {
        lock (_gate)
        {
            var open = _terms.FindLastIndex(t => t.Identity == identity && t.End is null);
            if (open >= 0)
            {
                _terms[open] = _terms[open] with { End = Now };
            }
        }
    }

    /// <summary>Asserts that no two terms overlap and that fencing tokens never go down.</summary>
    public void AssertOneLeaderAtATime()
    {
        var terms = Terms.OrderBy(t => t.Start).ToList();
        for (var i = 1; i < terms.Count; i++)
        {
            var previous = terms[i - 1];
            Assert.True(previous.End is { } end && end <= terms[i].Start, $"two leaders at once: {previous} and {terms[i]}");
            Assert.True(terms[i].FencingToken >= previous.FencingToken, $"the fencing token went down: {previous} then {terms[i]}");
        }
    }

    internal sealed record Term(string Identity, long FencingToken, TimeSpan Start, TimeSpan? End);
}

/// <summary>A candidate of one site: our client library (candidate + elector) against the site's API server.</summary>
internal sealed class Candidate : IAsyncDisposable
{
    /// <summary>The scenarios' timings: leaseDuration 8, renewDeadline 3, retryPeriod 2 (8 &gt; 3 + 2 × 2).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(8);
    public static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private readonly MultiClusterLeaseCandidate _candidate;
    private readonly MultiClusterLeaderElector _elector;
    private readonly Task _run;

    private Candidate(Site site, string identity, MultiClusterLeaseCandidate candidate, MultiClusterLeaderElector elector)
    {
        Site = site;
        Identity = identity;
        _candidate = candidate;
        _elector = elector;
        _run = Task.Run(() => elector.RunAsync(_stop.Token));
    }

    public Site Site { get; }

    public string Identity { get; }

    public bool IsLeader => _elector.IsLeader;

    public long FencingToken => _candidate.FencingToken;

    public static Candidate Start(Site site, string crName, string identity, string lockName, LeadershipLog log)
    {
        var candidate = new MultiClusterLeaseCandidate(
            site.Api,
            new MultiClusterLeaseCandidateOptions
            {
                Namespace = site.Namespace,
                Name = crName,
                Identity = identity,
                LockName = lockName,
                LeaseDuration = LeaseDuration,
                RenewDeadline = RenewDeadline,
                RetryPeriod = RetryPeriod,
            },
            null,
            E2ELogging.Factory.CreateLogger<MultiClusterLeaseCandidate>());
        var elector = new MultiClusterLeaderElector(candidate, null, E2ELogging.Factory.CreateLogger<MultiClusterLeaderElector>());
        elector.StartedLeading += (_, e) => log.Started(identity, e.FencingToken);
        elector.StoppedLeading += (_, _) => log.Stopped(identity);
        return new Candidate(site, identity, candidate, elector);
    }

    /// <summary>Stops gracefully: leadership ends and the lease is released.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    /// <summary>Crashes: stops at once, with no release and no further API call.</summary>
    public async Task CrashAsync()
    {
        _elector.ReleaseOnCancel = false;
        await _stop.CancelAsync();
        await _run;
        await _candidate.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        await _candidate.DisposeAsync();
        _stop.Dispose();
    }
}
