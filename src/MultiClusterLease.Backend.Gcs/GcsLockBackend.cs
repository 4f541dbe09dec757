using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MultiClusterLease.Election.Backend;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MultiClusterLease.Backend.Gcs;

/// <summary>
/// The global lock in Google Cloud Storage: one JSON object per lock, <c>gs://BUCKET/PREFIXleases/LOCKNAME</c>, written
/// only with an <c>ifGenerationMatch</c> precondition (https://cloud.google.com/storage/docs/request-preconditions),
/// through Google's <c>StorageClient</c> (Google.Cloud.Storage.V1). One read or one write is one HTTP request.
/// </summary>
/// <remarks>
/// Retries follow the GCS retry strategy (https://cloud.google.com/storage/docs/retry-strategy): transport errors,
/// 408, 429 and 5xx, with exponential backoff and jitter, within <see cref="GcsLockBackendOptions.OperationTimeout"/>.
/// Writes are conditionally idempotent thanks to the precondition, so a write answered 408, 429 or 503 (not applied) is
/// simply repeated. A write whose answer is lost (timeout, dropped connection, 500, 502, 504) is settled by re-reading
/// the object and comparing the body's nonce. Retried writes of one object are at least 1 s apart, GCS's documented
/// limit of about one write per second per object (https://cloud.google.com/storage/quotas#objects).
/// </remarks>
public sealed partial class GcsLockBackend : ILockBackend, IDisposable
{
    /// <summary>The least time between two writes of one object by a retry.</summary>
    internal static readonly TimeSpan MinWriteInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ReadBaseDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    private readonly GcsStorageConnection _connection;
    private readonly GcsObjectCalls _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly TimeSpan _operationTimeout;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<Attempt<LockSnapshot>> _readPipeline;
    private readonly ResiliencePipeline<Attempt<LockWriteResult>> _writePipeline;

    /// <summary>Initializes a new instance. Usually created by <see cref="GcsServiceCollectionExtensions.AddGcsLockBackend"/>.</summary>
    /// <param name="options">The options; validated when read.</param>
    /// <param name="meterFactory">Creates the <c>MultiClusterLease.Gcs</c> meter.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="timeProvider">The clock of timeouts and backoff.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public GcsLockBackend(
        IOptions<GcsLockBackendOptions> options,
        IMeterFactory meterFactory,
        ILogger<GcsLockBackend> logger,
        TimeProvider timeProvider)
    {
        var settings = options.Value;
        var endpoint = GcsEndpoint.TryResolve(settings.Endpoint, Environment.GetEnvironmentVariable, out var error)
            ?? throw new OptionsValidationException(nameof(GcsLockBackendOptions), typeof(GcsLockBackendOptions), [error!]);
        _bucket = settings.Bucket;
        _prefix = settings.Prefix ?? "";
        _operationTimeout = settings.OperationTimeout;
        _logger = logger;
        _connection = new GcsStorageConnection(endpoint, settings.CredentialsFile, settings.UserAgent);
        _client = new GcsObjectCalls(_connection, settings.Bucket, settings.RequestTimeout, new GcsMetrics(meterFactory), timeProvider);
        _readPipeline = BuildPipeline<LockSnapshot>(timeProvider, ReadBaseDelay);
        _writePipeline = BuildPipeline<LockWriteResult>(timeProvider, MinWriteInterval);
    }

    /// <inheritdoc/>
    /// <returns><c>gs://BUCKET/PREFIXleases/LOCKNAME</c>.</returns>
    public string Describe(string lockName) => $"gs://{_bucket}/{ObjectName(lockName)}";

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>GET …/o/OBJECT?alt=media</c> (<c>StorageClient.DownloadObjectAsync</c>); the generation is the
    /// <c>x-goog-generation</c> response header. 404 means
    /// absent. A body that is not a lock record gives a snapshot with <see cref="LockSnapshot.CorruptionError"/>, never an
    /// exception.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="lockName"/> is empty or makes an invalid object name.</exception>
    /// <exception cref="LockBackendException">
    /// Permission denied (the message names the IAM permissions), missing bucket, or still failing when
    /// <see cref="GcsLockBackendOptions.OperationTimeout"/> ran out; <see cref="LockBackendException.StatusCode"/> is the last HTTP status.
    /// </exception>
    public async Task<LockSnapshot> ReadAsync(string lockName, CancellationToken cancellationToken)
    {
        var call = new Call("read", ObjectName(lockName));
        var snapshot = await ExecuteAsync(_readPipeline, static (backend, call, ct) => backend.ReadAttemptAsync(call, ct), call, cancellationToken);
        if (snapshot.CorruptionError is { } corruption)
        {
            Log.CorruptObject(_logger, Describe(lockName), snapshot.Generation, corruption);
        }

        return snapshot;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>POST upload/…/o?uploadType=multipart&amp;ifGenerationMatch=G</c> through the client's HTTP client; 200 →
    /// committed with the generation of the returned object resource, 412 (or 409) → precondition failed (the status of
    /// the <c>GoogleApiException</c>). See the class remarks for retries and settling.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="lockName"/> is invalid, <paramref name="record"/> has no <see cref="LockRecord.Nonce"/>, or
    /// <paramref name="ifGenerationMatch"/> is negative.
    /// </exception>
    /// <exception cref="LockBackendException">
    /// Permission denied (the message names the IAM permissions), missing bucket, or the write still failing or unsettled
    /// when <see cref="GcsLockBackendOptions.OperationTimeout"/> ran out (then it may or may not have committed).
    /// </exception>
    public async Task<LockWriteResult> WriteAsync(string lockName, LockRecord record, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfNegative(ifGenerationMatch);
        if (string.IsNullOrEmpty(record.Nonce))
        {
            throw new ArgumentException("The record's Nonce must be a value unique to this write: it settles writes whose answer is lost.", nameof(record));
        }

        var call = new Call("write", ObjectName(lockName))
        {
            Body = LockRecordCodec.Encode(record),
            Nonce = record.Nonce,
            IfGenerationMatch = ifGenerationMatch,
        };
        return await ExecuteAsync(_writePipeline, static (backend, call, ct) => backend.WriteAttemptAsync(call, ct), call, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();

    /// <summary>The backoff before retry <paramref name="attempt"/> (0-based): exponential from <paramref name="baseDelay"/>, capped at 4 s, "equal jitter" (50–100 %), then at least <paramref name="floor"/>.</summary>
    internal static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan floor)
    {
        var exponential = Math.Min(MaxBackoff.TotalSeconds, baseDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt, 16)));
        var jittered = exponential * (0.5 + (MultiClusterLease.Timing.Jitter.NextDouble() * 0.5));
        return TimeSpan.FromSeconds(Math.Max(jittered, floor.TotalSeconds));
    }

    private string ObjectName(string lockName)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockName);
        if (lockName.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A lock name must not contain carriage return or line feed (GCS object naming rules).", nameof(lockName));
        }

        var name = $"{_prefix}leases/{lockName}";
        if (Encoding.UTF8.GetByteCount(name) > GcsLockBackendOptionsValidator.MaxObjectNameBytes)
        {
            throw new ArgumentException($"The object name '{name}' exceeds GCS's {GcsLockBackendOptionsValidator.MaxObjectNameBytes} bytes.", nameof(lockName));
        }

        return name;
    }

    private ResiliencePipeline<Attempt<T>> BuildPipeline<T>(TimeProvider timeProvider, TimeSpan baseDelay)
        => new ResiliencePipelineBuilder<Attempt<T>> { TimeProvider = timeProvider }
            .AddTimeout(_operationTimeout)
            .AddRetry(new RetryStrategyOptions<Attempt<T>>
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result.Failure is not null),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    Backoff(args.AttemptNumber, baseDelay, args.Outcome.Result.Failure?.MinDelay ?? TimeSpan.Zero)),
                OnRetry = args =>
                {
                    if (args.Outcome.Result.Failure is { } failure)
                    {
                        Log.Retrying(_logger, failure.Call.Operation, failure.Call.ObjectName, args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1, failure.Reason);
                    }

                    return default;
                },
            })
            .Build();

    private async Task<T> ExecuteAsync<T>(
        ResiliencePipeline<Attempt<T>> pipeline,
        Func<GcsLockBackend, Call, CancellationToken, ValueTask<Attempt<T>>> attempt,
        Call call,
        CancellationToken cancellationToken)
    {
        Attempt<T> result;
        try
        {
            result = await pipeline.ExecuteAsync(
                static (state, ct) => state.attempt(state.backend, state.call, ct),
                (backend: this, attempt, call),
                cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw GaveUp(call, ex);
        }

        return result.Failure is null ? result.Value! : throw GaveUp(call, null);
    }

    private async ValueTask<Attempt<LockSnapshot>> ReadAttemptAsync(Call call, CancellationToken cancellationToken)
    {
        call.Attempts++;
        GcsResponse response;
        try
        {
            response = await _client.DownloadAsync(call.ObjectName, cancellationToken);
        }
        catch (GcsTransportException ex)
        {
            return Retry<LockSnapshot>(call, ex.Message, null, TimeSpan.Zero);
        }

        switch (response.StatusCode)
        {
            case 200:
                var generation = response.Generation
                    ?? throw new LockBackendException($"GCS answered a read of gs://{_bucket}/{call.ObjectName} without an x-goog-generation header; is the endpoint a GCS JSON API?", 200);
                return Attempt<LockSnapshot>.Done(LockRecordCodec.Decode(response.Body, generation));
            case 404 when response.ErrorMessage.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase):
                throw MissingBucket(call, response);
            case 404:
                return Attempt<LockSnapshot>.Done(LockSnapshot.Absent);
            case 401 or 403:
                throw PermissionDenied(call, response);
            case 408 or 429 or >= 500:
                return Retry<LockSnapshot>(call, $"HTTP {response.StatusCode}: {response.ErrorMessage}", response.StatusCode, TimeSpan.Zero);
            default:
                throw Unexpected(call, response);
        }
    }

    private async ValueTask<Attempt<LockWriteResult>> WriteAttemptAsync(Call call, CancellationToken cancellationToken)
    {
        call.Attempts++;
        GcsResponse response;
        try
        {
            response = await _client.UploadAsync(call.ObjectName, call.Body, call.IfGenerationMatch, cancellationToken);
        }
        catch (GcsTransportException ex)
        {
            return await SettleAsync(call, $"no answer: {ex.Message}", null, preconditionFailed: false, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            call.Ambiguous = true;
            throw;
        }

        var reason = $"HTTP {response.StatusCode}: {response.ErrorMessage}";
        switch (response.StatusCode)
        {
            case 200:
                return response.Generation is { } generation
                    ? Attempt<LockWriteResult>.Done(new LockWriteResult(LockWriteStatus.Committed, generation))
                    : await SettleAsync(call, "the answer had no object generation", 200, preconditionFailed: false, cancellationToken);
            case 409 or 412:
                // 412: the precondition failed (409: a concurrent write conflicted; the Go implementation treats both alike).
                // After an ambiguous attempt, either may be the echo of our own earlier write: only the nonce can tell.
                return call.Ambiguous
                    ? await SettleAsync(call, reason, 412, preconditionFailed: true, cancellationToken)
                    : Attempt<LockWriteResult>.Done(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0));
            case 408 or 429 or 503:
                // Not applied: repeating the conditional write is safe, at most once a second per object.
                return Retry<LockWriteResult>(call, reason, response.StatusCode, MinWriteInterval);
            case 401 or 403:
                throw PermissionDenied(call, response);
            case 404:
                throw MissingBucket(call, response);
            case >= 500:
                return await SettleAsync(call, reason, response.StatusCode, preconditionFailed: false, cancellationToken);
            default:
                throw Unexpected(call, response);
        }
    }

    /// <summary>
    /// Settles a write whose outcome is unknown by reading the object: our nonce → committed; another generation than
    /// the precondition → precondition failed; unchanged → not committed, retry (the precondition still guards).
    /// </summary>
    private async ValueTask<Attempt<LockWriteResult>> SettleAsync(Call call, string reason, int? statusCode, bool preconditionFailed, CancellationToken cancellationToken)
    {
        call.Ambiguous = true;
        Log.SettlingWrite(_logger, call.ObjectName, reason);
        var read = await ReadAttemptAsync(new Call("read", call.ObjectName), cancellationToken);
        if (read.Failure is { } readFailure)
        {
            return Retry<LockWriteResult>(call, $"{reason}; the read to settle it failed: {readFailure.Reason}", statusCode ?? readFailure.StatusCode, MinWriteInterval);
        }

        var current = read.Value!;
        if (string.Equals(current.Record?.Nonce, call.Nonce, StringComparison.Ordinal))
        {
            Log.WriteSettled(_logger, call.ObjectName, "committed", current.Generation);
            return Attempt<LockWriteResult>.Done(new LockWriteResult(LockWriteStatus.Committed, current.Generation));
        }

        if (preconditionFailed || current.Generation != call.IfGenerationMatch)
        {
            Log.WriteSettled(_logger, call.ObjectName, "precondition failed", current.Generation);
            return Attempt<LockWriteResult>.Done(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0));
        }

        return Retry<LockWriteResult>(call, $"{reason}; the object is unchanged, so the write did not commit", statusCode, MinWriteInterval);
    }

    private static Attempt<T> Retry<T>(Call call, string reason, int? statusCode, TimeSpan minDelay)
    {
        var failure = new Failure(call, reason, statusCode, minDelay);
        call.LastFailure = failure;
        return new Attempt<T>(default, failure);
    }

    private LockBackendException GaveUp(Call call, Exception? innerException)
    {
        var outcome = call is { Operation: "write", Ambiguous: true } ? " The write may or may not have committed." : "";
        var last = call.LastFailure?.Reason ?? "no answer";
        return new LockBackendException(
            $"GCS {call.Operation} of gs://{_bucket}/{call.ObjectName} failed after {call.Attempts} attempt(s) within the operation timeout of {_operationTimeout.TotalSeconds:0.###} s; last: {last}.{outcome}",
            call.LastFailure?.StatusCode,
            innerException);
    }

    private LockBackendException PermissionDenied(Call call, GcsResponse response)
    {
        var what = response.StatusCode == 401 ? "the credentials were rejected (missing, invalid or expired)" : "permission denied";
        return new LockBackendException(
            $"GCS answered {response.StatusCode} ({what}: {response.ErrorMessage}) to a {call.Operation} of gs://{_bucket}/{call.ObjectName}. "
            + $"The controller's Google identity needs storage.objects.get, storage.objects.create and storage.objects.delete "
            + $"(to overwrite) on bucket '{_bucket}', e.g. the role roles/storage.objectUser granted on the bucket: "
            + $"gcloud storage buckets add-iam-policy-binding gs://{_bucket} --member=MEMBER --role=roles/storage.objectUser. "
            + "Credentials come from Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS or the CredentialsFile option, "
            + "`gcloud auth application-default login`, or the metadata server (Workload Identity on GKE).",
            response.StatusCode);
    }

    private LockBackendException MissingBucket(Call call, GcsResponse response)
        => new(
            $"Bucket '{_bucket}' does not exist or is not visible to the controller: GCS answered 404 ({response.ErrorMessage}) to a {call.Operation} of "
            + $"gs://{_bucket}/{call.ObjectName}. Create it (gcloud storage buckets create gs://{_bucket}) or fix the Bucket option.",
            response.StatusCode);

    private LockBackendException Unexpected(Call call, GcsResponse response)
        => new($"GCS answered {response.StatusCode} to a {call.Operation} of gs://{_bucket}/{call.ObjectName}: {response.ErrorMessage}", response.StatusCode);

    /// <summary>The state of one read or write across its attempts.</summary>
    private sealed class Call(string operation, string objectName)
    {
        public string Operation { get; } = operation;

        public string ObjectName { get; } = objectName;

        public byte[] Body { get; init; } = [];

        public string Nonce { get; init; } = "";

        public long IfGenerationMatch { get; init; }

        public int Attempts { get; set; }

        /// <summary>Gets or sets whether an attempt's outcome was unknown: a later 412 may be our own write, so it is settled too.</summary>
        public bool Ambiguous { get; set; }

        public Failure? LastFailure { get; set; }
    }

    /// <summary>Why an attempt is retried.</summary>
    private sealed record Failure(Call Call, string Reason, int? StatusCode, TimeSpan MinDelay);

    /// <summary>The outcome of one attempt: a value, or a failure to retry.</summary>
    private readonly record struct Attempt<T>(T? Value, Failure? Failure)
    {
        public static Attempt<T> Done(T value) => new(value, null);
    }
}
