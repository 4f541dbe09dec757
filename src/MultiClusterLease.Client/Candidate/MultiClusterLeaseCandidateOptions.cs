using System.ComponentModel.DataAnnotations;

namespace MultiClusterLease.Client.Candidate;

/// <summary>
/// Options of a candidate in a multi-cluster election. Timings follow the official Kubernetes leader electors
/// (defaults 15 s / 10 s / 2 s) and must satisfy <c>LeaseDuration &gt; RenewDeadline + 2 × RetryPeriod</c>, the
/// inequality the election's safety rests on (DESIGN §5); <see cref="Validate"/> checks it.
/// </summary>
public sealed class MultiClusterLeaseCandidateOptions
{
    /// <summary>Gets or sets the namespace of the <c>MultiClusterLease</c> in the candidate's own cluster. Required.</summary>
    [Required]
    public string Namespace { get; set; } = "";

    /// <summary>Gets or sets the name of the <c>MultiClusterLease</c>. Required.</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Gets or sets this candidate's identity, unique across all clusters (e.g. pod name plus a GUID). Required.</summary>
    [Required]
    public string Identity { get; set; } = "";

    /// <summary>Gets or sets the global lock name (<c>spec.lockName</c>); <see langword="null"/> for the default <c>NAMESPACE/NAME</c>.</summary>
    public string? LockName { get; set; }

    /// <summary>Gets or sets how long others wait before taking over a lock that stopped changing (default 15 s; whole seconds).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how long a leader keeps leading while its renewals fail (default 10 s; whole seconds).</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the time between attempts (default 2 s; whole seconds; at least 2 s, see <see cref="Validate"/>).</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets how long an attempt waits for the controller's answer, counted from before the spec is written.
    /// Default: three quarters of <see cref="RetryPeriod"/>. Must be shorter than <see cref="RetryPeriod"/>: a renewal
    /// confirmed later than one retry period after its signal would void the safety argument.
    /// </summary>
    public TimeSpan? ConfirmationTimeout { get; set; }

    /// <summary>Gets the effective confirmation timeout.</summary>
    public TimeSpan EffectiveConfirmationTimeout => ConfirmationTimeout ?? RetryPeriod * 0.75;

    /// <summary>Checks the options.</summary>
    /// <returns>The problems found; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Namespace))
        {
            errors.Add("Namespace is required: the namespace of the MultiClusterLease in this cluster");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Name is required: the name of the MultiClusterLease");
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            errors.Add("Identity is required and must be unique across clusters, e.g. $\"{podName}_{Guid.NewGuid()}\"");
        }

        foreach (var (name, value) in new[] { ("LeaseDuration", LeaseDuration), ("RenewDeadline", RenewDeadline), ("RetryPeriod", RetryPeriod) })
        {
            if (value < TimeSpan.FromSeconds(1) || value.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                errors.Add($"{name} must be a whole number of seconds, at least 1 (it is written to the CR in seconds); got {value}");
            }
        }

        if (RetryPeriod < TimeSpan.FromSeconds(2))
        {
            errors.Add($"RetryPeriod ({RetryPeriod.TotalSeconds} s) must be at least 2 s: the global lock (a GCS object) takes about one write per second, and each renewal must be confirmed within one retry period");
        }

        if (LeaseDuration <= RenewDeadline + (2 * RetryPeriod))
        {
            errors.Add($"LeaseDuration ({LeaseDuration.TotalSeconds} s) must be greater than RenewDeadline + 2 × RetryPeriod ({(RenewDeadline + (2 * RetryPeriod)).TotalSeconds} s)");
        }

        if (EffectiveConfirmationTimeout <= TimeSpan.Zero || EffectiveConfirmationTimeout >= RetryPeriod)
        {
            errors.Add($"ConfirmationTimeout ({EffectiveConfirmationTimeout}) must be positive and shorter than RetryPeriod ({RetryPeriod})");
        }

        return errors;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid MultiClusterLease candidate options: " + string.Join("; ", errors));
        }
    }
}
