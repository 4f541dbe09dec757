using MultiClusterLease.Kubernetes.Api.V1Alpha1;

namespace MultiClusterLease.Election.Protocol;

/// <summary>
/// The timings of one lease, read from its spec with the defaults of the official leader electors (15/10/2 s), and
/// checked against the safety inequality <c>leaseDuration &gt; renewDeadline + 2 × retryPeriod</c> (DESIGN §5): a leader
/// keeps leading for at most <c>retryPeriod + renewDeadline</c> after a renewal that returned within one retry period
/// of the write that confirmed it, and no other cluster takes the lock until <c>leaseDuration</c> after that write.
/// </summary>
/// <param name="LeaseDuration">How long a lock or a candidate stays live without an observed change.</param>
/// <param name="RenewDeadline">How long the candidate's elector keeps leading while renewals fail.</param>
/// <param name="RetryPeriod">The candidate's retry period; also the controller's polling period for this lease.</param>
public sealed record LeaseTiming(TimeSpan LeaseDuration, TimeSpan RenewDeadline, TimeSpan RetryPeriod)
{
    /// <summary>
    /// The shortest retry period: 2 s. A renewal is confirmed by a lock write made after its signal; writes to one GCS
    /// object are spaced by at least a second, and the confirmation must arrive within the retry period.
    /// </summary>
    public const int MinRetryPeriodSeconds = 2;

    /// <summary>The defaults: 15 s, 10 s, 2 s.</summary>
    public static LeaseTiming Default { get; } = new(
        TimeSpan.FromSeconds(V1Alpha1MultiClusterLeaseSpec.DefaultLeaseDurationSeconds),
        TimeSpan.FromSeconds(V1Alpha1MultiClusterLeaseSpec.DefaultRenewDeadlineSeconds),
        TimeSpan.FromSeconds(V1Alpha1MultiClusterLeaseSpec.DefaultRetryPeriodSeconds));

    /// <summary>Gets the lease duration in whole seconds, as written to the lock object.</summary>
    public int LeaseDurationSeconds => (int)LeaseDuration.TotalSeconds;

    /// <summary>Reads the timings of a spec, applying defaults to absent fields.</summary>
    /// <param name="spec">The spec; <see langword="null"/> gives the defaults.</param>
    /// <param name="timing">The timings, also when invalid.</param>
    /// <param name="error">Why the timings are unsafe or out of range; <see langword="null"/> when valid.</param>
    /// <returns><see langword="true"/> when the timings are valid.</returns>
    public static bool TryFromSpec(V1Alpha1MultiClusterLeaseSpec? spec, out LeaseTiming timing, out string? error)
    {
        var lease = spec?.LeaseDurationSeconds ?? V1Alpha1MultiClusterLeaseSpec.DefaultLeaseDurationSeconds;
        var renew = spec?.RenewDeadlineSeconds ?? V1Alpha1MultiClusterLeaseSpec.DefaultRenewDeadlineSeconds;
        var retry = spec?.RetryPeriodSeconds ?? V1Alpha1MultiClusterLeaseSpec.DefaultRetryPeriodSeconds;
        timing = new LeaseTiming(TimeSpan.FromSeconds(Math.Max(lease, 1)), TimeSpan.FromSeconds(Math.Max(renew, 1)), TimeSpan.FromSeconds(Math.Max(retry, 1)));

        if (lease < 1 || renew < 1 || retry < 1)
        {
            error = $"leaseDurationSeconds ({lease}), renewDeadlineSeconds ({renew}) and retryPeriodSeconds ({retry}) must all be at least 1";
            return false;
        }

        if (retry < MinRetryPeriodSeconds)
        {
            error = $"retryPeriodSeconds ({retry}) must be at least {MinRetryPeriodSeconds}: GCS allows about one write per second per lock object, so a renewal may wait up to a second for its write, and it must be confirmed within one retry period";
            return false;
        }

        if (lease <= renew + (2 * retry))
        {
            error = $"unsafe timings: leaseDurationSeconds ({lease}) must be greater than renewDeadlineSeconds + 2 × retryPeriodSeconds ({renew} + 2 × {retry} = {renew + (2 * retry)}); " +
                    $"for example leaseDurationSeconds: {renew + (2 * retry) + 1}";
            return false;
        }

        error = null;
        return true;
    }
}
