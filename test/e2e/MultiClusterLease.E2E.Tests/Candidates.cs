using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Client.Candidate;
using MultiClusterLease.Client.LeaderElection;
using MultiClusterLease.Testing;

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

    private readonly RunningElector _running;

    private Candidate(Site site, RunningElector running)
    {
        Site = site;
        _running = running;
        running.Start();
    }

    public Site Site { get; }

    public string Identity => _running.Identity;

    public bool IsLeader => _running.Elector.IsLeader;

    public long FencingToken => _running.Candidate.FencingToken;

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
        return new Candidate(site, new RunningElector(site.Name, candidate, elector));
    }

    /// <summary>Stops gracefully: leadership ends and the lease is released.</summary>
    public Task StopAsync() => _running.StopAsync();

    /// <summary>Crashes: stops at once, with no release and no further API call.</summary>
    public Task CrashAsync() => _running.CrashAsync();

    /// <summary>Stops gracefully unless already stopped or crashed, so a scenario leaves no lock held behind.</summary>
    public async ValueTask DisposeAsync()
    {
        await _running.StopAsync();
        await _running.DisposeAsync();
    }
}
