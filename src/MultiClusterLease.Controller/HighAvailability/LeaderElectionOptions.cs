using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MultiClusterLease.Controller.HighAvailability;

/// <summary>
/// Settings of the controller's own active/standby election on a <c>coordination.k8s.io/v1</c> Lease
/// (<c>--leader-elect</c> and the <c>--leader-election-*</c> flags). Validated at start-up.
/// </summary>
internal sealed class LeaderElectionOptions
{
    /// <summary>The default Lease name.</summary>
    public const string DefaultLeaseName = "multiclusterlease-controller";

    /// <summary>Gets or sets whether replicas elect an active one; when <see langword="false"/> this replica is always active.</summary>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the Lease's namespace; <see langword="null"/> = the namespace of the Kubernetes configuration (in-cluster: the pod's).</summary>
    public string? Namespace { get; set; }

    /// <summary>Gets or sets the Lease's name (default <see cref="DefaultLeaseName"/>).</summary>
    public string LeaseName { get; set; } = DefaultLeaseName;

    /// <summary>Gets or sets this replica's identity in the Lease; it must be unique per process.</summary>
    public string Identity { get; set; } = "";

    /// <summary>
    /// Gets or sets how long a standby waits without seeing the Lease change before it takes over (default 15 s). Written
    /// to the Lease in whole seconds, rounded up.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how long the active replica goes on reconciling after the last renewal it sent that succeeded (default
    /// 10 s); then it stops at once. Must be less than <see cref="LeaseDuration"/>.
    /// </summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how often the active replica renews (default 2 s), and how often a standby polls while its watch is down.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets whether stopping releases the Lease (default <see langword="true"/>, as client-go's
    /// <c>ReleaseOnCancel</c>): a standby then takes over at once instead of after the lease duration.
    /// </summary>
    public bool ReleaseOnCancel { get; set; } = true;

    /// <summary>Gets the Lease duration in whole seconds, as written to <c>spec.leaseDurationSeconds</c>.</summary>
    public int LeaseDurationSeconds => (int)Math.Ceiling(LeaseDuration.TotalSeconds);
}

/// <summary>Checks <see cref="LeaderElectionOptions"/>: names, and the timings of client-go's leader election.</summary>
internal sealed partial class LeaderElectionOptionsValidator : IValidateOptions<LeaderElectionOptions>
{
    /// <summary>client-go's jitter factor: a retry period may stretch by 20 %.</summary>
    private const double JitterFactor = 1.2;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.LeaseName.Length > 253 || !Subdomain().IsMatch(options.LeaseName))
        {
            failures.Add($"--leader-election-id '{options.LeaseName}' must be a DNS subdomain name (lowercase letters, digits, '-' and '.', at most 253 characters), e.g. {LeaderElectionOptions.DefaultLeaseName}");
        }

        if (options.Namespace is { } ns && (ns.Length > 63 || !Label().IsMatch(ns)))
        {
            failures.Add($"--leader-election-namespace '{ns}' must be a DNS label (lowercase letters, digits and '-', at most 63 characters)");
        }

        if (string.IsNullOrWhiteSpace(options.Identity))
        {
            failures.Add("the leader-election identity must not be empty (set --identity or POD_NAME)");
        }

        if (options.RetryPeriod < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"--leader-election-retry-period ({Seconds(options.RetryPeriod)}) must be at least 100ms");
        }

        if (options.RenewDeadline <= options.RetryPeriod * JitterFactor)
        {
            failures.Add($"--leader-election-renew-deadline ({Seconds(options.RenewDeadline)}) must be greater than {JitterFactor} × --leader-election-retry-period ({Seconds(options.RetryPeriod)})");
        }

        if (options.LeaseDuration <= options.RenewDeadline)
        {
            failures.Add($"--leader-election-lease-duration ({Seconds(options.LeaseDuration)}) must be greater than --leader-election-renew-deadline ({Seconds(options.RenewDeadline)}): the active replica must stop before a standby may take over");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Seconds(TimeSpan value) => $"{value.TotalSeconds:0.###}s";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
