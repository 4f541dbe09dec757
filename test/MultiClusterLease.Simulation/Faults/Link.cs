namespace MultiClusterLease.Simulation.Faults;

/// <summary>
/// The network path from one process to one server (an API server or the bucket), with the faults currently
/// injected on it. Faults are switched on and off by the world's fault schedule.
/// </summary>
internal sealed class Link
{
    public Link(string from, string to)
    {
        From = from;
        To = to;
    }

    public string From { get; }

    public string To { get; }

    /// <summary>Gets or sets whether requests and answers are lost (a partition).</summary>
    public int Partitioned { get; set; }

    /// <summary>Gets or sets the extra latency of each request and answer, at random up to this.</summary>
    public TimeSpan ExtraLatency { get; set; }

    /// <summary>Gets or sets the probability that a PATCH is refused with 409 Conflict (Kubernetes).</summary>
    public double ConflictProbability { get; set; }

    /// <summary>Gets or sets the probability that a GCS request is refused with 429 or 5xx before it is applied.</summary>
    public double ErrorProbability { get; set; }

    /// <summary>Gets or sets the probability that an answer is lost after the request was applied.</summary>
    public double LostAnswerProbability { get; set; }

    /// <summary>Gets or sets the extra latency of GCS writes (slow writes).</summary>
    public TimeSpan WriteLatency { get; set; }

    /// <summary>Gets or sets the probability that a watch event is delivered twice.</summary>
    public double DuplicateProbability { get; set; }

    public bool IsPartitioned => Partitioned > 0;
}
