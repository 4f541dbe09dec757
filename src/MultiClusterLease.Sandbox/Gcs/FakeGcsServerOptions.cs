namespace MultiClusterLease.Sandbox.Gcs;

/// <summary>How the fake GCS server numbers object generations.</summary>
public enum GcsGenerationMode
{
    /// <summary>Increasing, microsecond-timestamp-like numbers, as GCS usually produces.</summary>
    Increasing,

    /// <summary>Unique but random numbers: GCS does not promise that generations increase, so the election must not rely on it.</summary>
    Random,
}

/// <summary>Settings of <see cref="FakeGcsServer"/>.</summary>
public sealed class FakeGcsServerOptions
{
    /// <summary>Gets the buckets that exist; requests to any other bucket get 404, as in GCS.</summary>
    public IReadOnlyList<string> Buckets { get; init; } = [];

    /// <summary>Gets the port on 127.0.0.1; 0 (default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Gets how generations are numbered; default <see cref="GcsGenerationMode.Increasing"/>.</summary>
    public GcsGenerationMode GenerationMode { get; init; } = GcsGenerationMode.Increasing;

    /// <summary>
    /// Gets whether a second mutation (insert or delete) of one object within <see cref="WriteRateLimitInterval"/> of the
    /// previous one is refused with 429, like GCS's documented limit of about one write per second per object
    /// (https://cloud.google.com/storage/quotas#objects); default <see langword="true"/>. Preconditions are checked first:
    /// a request answered 412 changes nothing and does not count.
    /// </summary>
    public bool EnforceWriteRateLimit { get; init; } = true;

    /// <summary>Gets the least time between two mutations of one object when <see cref="EnforceWriteRateLimit"/> is set; default 1 s.</summary>
    public TimeSpan WriteRateLimitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the clock of the rate limit, generations and timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the seed of random generations and of probabilistic fault rules, so a run can be reproduced.</summary>
    public int Seed { get; init; }
}
