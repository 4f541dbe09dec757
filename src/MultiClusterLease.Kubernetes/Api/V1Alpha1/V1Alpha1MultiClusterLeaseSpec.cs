using System.Text.Json.Serialization;
using MultiClusterLease.Kubernetes.Json;

namespace MultiClusterLease.Kubernetes.Api.V1Alpha1;

/// <summary>The spec of a <see cref="V1Alpha1MultiClusterLease"/>: written by the candidate only.</summary>
public sealed class V1Alpha1MultiClusterLeaseSpec
{
    /// <summary>Default <see cref="LeaseDurationSeconds"/>: 15 seconds.</summary>
    public const int DefaultLeaseDurationSeconds = 15;

    /// <summary>Default <see cref="RenewDeadlineSeconds"/>: 10 seconds.</summary>
    public const int DefaultRenewDeadlineSeconds = 10;

    /// <summary>Default <see cref="RetryPeriodSeconds"/>: 2 seconds.</summary>
    public const int DefaultRetryPeriodSeconds = 2;

    /// <summary>Gets or sets the candidate asking to lead; the empty string means "I release".</summary>
    [JsonPropertyName("holderIdentity")] public string? HolderIdentity { get; set; }

    /// <summary>
    /// Gets or sets the candidate's last heartbeat (Kubernetes MicroTime). The controller never compares it with
    /// its own clock: only its changes count, as the candidate's liveness signal.
    /// </summary>
    [JsonPropertyName("renewTime")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>Gets or sets the lease duration in seconds (default 15).</summary>
    [JsonPropertyName("leaseDurationSeconds")] public int? LeaseDurationSeconds { get; set; }

    /// <summary>Gets or sets the candidate's renew deadline in seconds (default 10).</summary>
    [JsonPropertyName("renewDeadlineSeconds")] public int? RenewDeadlineSeconds { get; set; }

    /// <summary>Gets or sets the candidate's retry period in seconds (default 2).</summary>
    [JsonPropertyName("retryPeriodSeconds")] public int? RetryPeriodSeconds { get; set; }

    /// <summary>
    /// Gets or sets the name of the global lock shared by every cluster (optional; default <c>NAMESPACE/NAME</c>).
    /// Lets clusters use different CR names for the same election.
    /// </summary>
    [JsonPropertyName("lockName")] public string? LockName { get; set; }
}
