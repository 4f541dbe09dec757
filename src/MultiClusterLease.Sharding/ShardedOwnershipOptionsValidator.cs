using Microsoft.Extensions.Options;

namespace MultiClusterLease.Sharding;

/// <summary>Checks <see cref="ShardedOwnershipOptions"/> at start-up, naming the fix for each problem.</summary>
public sealed class ShardedOwnershipOptionsValidator : IValidateOptions<ShardedOwnershipOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ShardedOwnershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.PeerId))
        {
            failures.Add("PeerId is empty: set it, or run where the host name is set.");
        }

        if (!(options.PeerWeight > 0) || double.IsInfinity(options.PeerWeight))
        {
            failures.Add($"PeerWeight is {options.PeerWeight}: it must be a positive finite number (default 1).");
        }

        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            failures.Add("Namespace is empty: set it (default kube-system).");
        }

        if (string.IsNullOrEmpty(options.PeerLeasePrefix) || string.IsNullOrEmpty(options.ShardLeasePrefix) || options.PeerLeasePrefix == options.ShardLeasePrefix)
        {
            failures.Add("PeerLeasePrefix and ShardLeasePrefix must be set and differ (defaults mcr-peer- and mcr-shard-).");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            failures.Add($"LeaseDuration is {options.LeaseDuration}: it must be whole seconds, at least 1 s (Leases store leaseDurationSeconds).");
        }

        if (!(options.RenewInterval > TimeSpan.Zero && options.RenewInterval < options.RenewDeadline && options.RenewDeadline < options.LeaseDuration))
        {
            failures.Add($"RenewInterval ({options.RenewInterval}) < RenewDeadline ({options.RenewDeadline}) < LeaseDuration ({options.LeaseDuration}) does not hold: an owner must stop before others can see its fence expire.");
        }

        if (!(options.ProbeInterval > TimeSpan.Zero && options.ProbeInterval <= options.RenewInterval))
        {
            failures.Add($"ProbeInterval ({options.ProbeInterval}) must be positive and at most RenewInterval ({options.RenewInterval}).");
        }

        if (options.FenceThrottle <= TimeSpan.Zero)
        {
            failures.Add("FenceThrottle must be positive (default 750 ms).");
        }

        if (options.MaxConcurrentRequests < 1)
        {
            failures.Add("MaxConcurrentRequests must be at least 1 (default 16).");
        }

        if (options.FenceKind == FenceKind.MultiClusterLease)
        {
            var retry = options.GlobalRetryPeriod;
            if (retry < TimeSpan.FromSeconds(1) || retry.Ticks % TimeSpan.TicksPerSecond != 0 || options.RenewDeadline.Ticks % TimeSpan.TicksPerSecond != 0
                || options.LeaseDuration <= options.RenewDeadline + (2 * retry))
            {
                failures.Add($"With FenceKind MultiClusterLease, RenewDeadline and GlobalRetryPeriod must be whole seconds and LeaseDuration > RenewDeadline + 2 x GlobalRetryPeriod (the election controller's rule); got {options.LeaseDuration}/{options.RenewDeadline}/{retry}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
