namespace MultiClusterLease.Sandbox.Faults;

/// <summary>What a matching request suffers.</summary>
public enum FaultAction
{
    /// <summary>Wait <see cref="FaultRule.Latency"/>, then serve normally.</summary>
    Delay,

    /// <summary>Answer <see cref="FaultRule.StatusCode"/> without serving the request.</summary>
    Error,

    /// <summary>Serve the request (it takes effect), then drop the connection instead of answering.</summary>
    DropResponse,

    /// <summary>Never answer and never serve: the request hangs until the caller gives up; open streams are cut.</summary>
    Partition,
}

/// <summary>
/// One fault-injection rule. A request matches when every set criterion matches. Rules are checked in the order they
/// were added; the first match applies.
/// </summary>
public sealed class FaultRule
{
    /// <summary>Gets the caller: a substring of the request's User-Agent (each client names itself there; Google's clients with their ApplicationName); <see langword="null"/> = any.</summary>
    public string? Caller { get; init; }

    /// <summary>Gets the HTTP method, e.g. <c>PATCH</c>; <see langword="null"/> = any.</summary>
    public string? Method { get; init; }

    /// <summary>
    /// Gets the request's kind: the first word of its name in <see cref="FaultInjector.Counts"/>, e.g. <c>write</c> for a
    /// fake GCS request that commits an object (a multipart or media insert, or the last <c>PUT</c> of a resumable
    /// upload); <see langword="null"/> = any.
    /// </summary>
    public string? Kind { get; init; }

    /// <summary>Gets a substring of the path and query; <see langword="null"/> = any.</summary>
    public string? PathContains { get; init; }

    /// <summary>Gets the action.</summary>
    public FaultAction Action { get; init; }

    /// <summary>Gets the delay for <see cref="FaultAction.Delay"/>.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets the HTTP status for <see cref="FaultAction.Error"/>, e.g. 429, 503, 409.</summary>
    public int StatusCode { get; init; } = 503;

    /// <summary>Gets the probability (0..1) that a matching request is affected.</summary>
    public double Probability { get; init; } = 1.0;

    /// <summary>Gets or sets how many more requests this rule affects; <see langword="null"/> = unlimited.</summary>
    public int? RemainingCount { get; set; }

    /// <summary>Gets whether the watch streams (<c>watch=true</c>) are exempt; used to delay writes without delaying watches.</summary>
    public bool ExcludeWatches { get; init; }

    /// <inheritdoc/>
    public override string ToString()
        => $"{Action} caller={Caller ?? "*"} {Method ?? "*"} kind={Kind ?? "*"} {PathContains ?? "*"} status={StatusCode} latency={Latency.TotalMilliseconds}ms p={Probability} left={RemainingCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "inf"}";
}
