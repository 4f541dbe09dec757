using MultiClusterLease.Election.Backend;
using MultiClusterLease.Simulation.Faults;
using MultiClusterLease.Simulation.Scheduling;
using MultiClusterLease.Timing;

namespace MultiClusterLease.Simulation.Gcs;

/// <summary>
/// A controller's <see cref="ILockBackend"/> on the <see cref="SimulatedBucket"/>, retrying as <c>GcsLockBackend</c>
/// does: transport errors, 429 and 5xx are retried with jittered exponential backoff within an operation timeout
/// (8 s; each request times out after 3 s); a 429 or 503 write is repeated no sooner than a second later; a write
/// whose answer was lost (or answered 500) is settled by reading the object and comparing the nonce. The HTTP layer
/// itself (GcsJsonApiClient, Polly) is covered by the real-time harness and the backend's tests, not here.
/// </summary>
internal sealed class SimulatedLockBackend : ILockBackend
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(8);
    private readonly SimulatedBucket _bucket;
    private readonly SimulatedProcess _caller;
    private readonly Link _link;
    private readonly Random _random;

    public SimulatedLockBackend(SimulatedBucket bucket, SimulatedProcess caller, Link link, Random random)
    {
        _bucket = bucket;
        _caller = caller;
        _link = link;
        _random = random;
    }

    public string Describe(string lockName) => $"gs://simulated/leases/{lockName}";

    public async Task<LockSnapshot> ReadAsync(string lockName, CancellationToken cancellationToken)
    {
        var started = _caller.Loop.Now;
        for (var attempt = 0; ; attempt++)
        {
            var (ok, snapshot, reason) = await ReadOnceAsync(lockName, cancellationToken);
            if (ok)
            {
                return snapshot!;
            }

            await BackoffAsync(attempt, TimeSpan.FromMilliseconds(250), TimeSpan.Zero, started, reason, cancellationToken);
        }
    }

    public async Task<LockWriteResult> WriteAsync(string lockName, LockRecord record, long ifGenerationMatch, CancellationToken cancellationToken)
    {
        var started = _caller.Loop.Now;
        var ambiguous = false;
        for (var attempt = 0; ; attempt++)
        {
            var (status, generation) = await SendAsync(
                () => _bucket.Write("leases/" + lockName, record, ifGenerationMatch, _caller.Name),
                write: true,
                cancellationToken);
            switch (status)
            {
                case 200:
                    return new LockWriteResult(LockWriteStatus.Committed, generation);
                case 412 when !ambiguous:
                    return new LockWriteResult(LockWriteStatus.PreconditionFailed, 0);
                case 429 or 503:
                    await BackoffAsync(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), started, $"HTTP {status}", cancellationToken);
                    continue;
            }

            // 412 after an ambiguous attempt, 500, or no answer: settle by reading.
            ambiguous = true;
            var (ok, current, _) = await ReadOnceAsync(lockName, cancellationToken);
            if (ok)
            {
                if (current!.Record?.Nonce == record.Nonce)
                {
                    return new LockWriteResult(LockWriteStatus.Committed, current.Generation);
                }

                if (status == 412 || current.Generation != ifGenerationMatch)
                {
                    return new LockWriteResult(LockWriteStatus.PreconditionFailed, 0);
                }
            }

            await BackoffAsync(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), started, status == 0 ? "no answer" : $"HTTP {status}", cancellationToken);
        }
    }

    private async Task<(bool Ok, LockSnapshot? Snapshot, string Reason)> ReadOnceAsync(string lockName, CancellationToken cancellationToken)
    {
        LockSnapshot? snapshot = null;
        var (status, _) = await SendAsync(
            () =>
            {
                snapshot = _bucket.Read("leases/" + lockName);
                return (200, 0L);
            },
            write: false,
            cancellationToken);
        return status == 200 ? (true, snapshot, "") : (false, null, status == 0 ? "no answer" : $"HTTP {status}");
    }

    private async Task BackoffAsync(int attempt, TimeSpan baseDelay, TimeSpan floor, TimeSpan started, string reason, CancellationToken cancellationToken)
    {
        var exponential = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(4).Ticks, baseDelay.Ticks << Math.Min(attempt, 10)));
        var delay = Jitter.Scale(exponential, 0.5);
        delay = delay < floor ? floor : delay;
        if (_caller.Loop.Now + delay - started >= OperationTimeout)
        {
            throw new LockBackendException($"simulated GCS: gave up after {OperationTimeout.TotalSeconds} s: {reason}");
        }

        await Task.Delay(delay, _caller.Clock, cancellationToken);
    }

    /// <summary>One request: status 0 means no answer (partition, lost answer, request timeout).</summary>
    private Task<(int Status, long Generation)> SendAsync(Func<(int Status, long Generation)> operation, bool write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var answer = new TaskCompletionSource<(int, long)>();
        var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        void NoAnswer() => answer.TrySetResult((0, 0));

        // The client gives up after the request timeout, whatever happens to the request: a slow write may still
        // commit after that (the settling read then races it).
        After(_caller, RequestTimeout, NoAnswer);
        if (_link.IsPartitioned)
        {
            return Finish(answer, registration);
        }

        var requestLatency = Latency(write);
        After(_bucket.Server, requestLatency, () =>
        {
            if (_link.IsPartitioned)
            {
                return;
            }

            if (_link.ErrorProbability > 0 && _random.NextDouble() < _link.ErrorProbability)
            {
                var refused = new[] { 429, 503, 500 }[_random.Next(3)];
                if (refused == 500 && write)
                {
                    // Applied, and answered 500 anyway: the writer must settle it.
                    operation();
                }

                After(_caller, Latency(false), () => answer.TrySetResult((refused, 0)));
                return;
            }

            var result = operation();
            if (write && _link.LostAnswerProbability > 0 && _random.NextDouble() < _link.LostAnswerProbability)
            {
                return;
            }

            After(_caller, Latency(false), () =>
            {
                if (!_link.IsPartitioned)
                {
                    answer.TrySetResult(result);
                }
            });
        });
        return Finish(answer, registration);
    }

    private TimeSpan Latency(bool write)
    {
        var latency = TimeSpan.FromMilliseconds(5 + (_random.NextDouble() * 45));
        if (write && _link.WriteLatency > TimeSpan.Zero)
        {
            latency += _link.WriteLatency;
        }

        if (_link.ExtraLatency > TimeSpan.Zero)
        {
            latency += TimeSpan.FromTicks((long)(_link.ExtraLatency.Ticks * _random.NextDouble()));
        }

        return latency;
    }

    private static void After(SimulatedProcess process, TimeSpan delay, Action action)
        => _ = new SimulatedTimer(process, _ => action(), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);

    private static async Task<(int, long)> Finish(TaskCompletionSource<(int, long)> answer, CancellationTokenRegistration registration)
    {
        try
        {
            return await answer.Task;
        }
        finally
        {
            registration.Dispose();
        }
    }
}
