namespace MultiClusterLease.Sharding.Ownership;

/// <summary>Request timeouts on the peer's own clock.</summary>
internal sealed partial class ShardCoordinator
{
    /// <summary>Bounds one request by the renew interval, on this peer's clock.</summary>
    private RequestScope RequestTimeout(CancellationToken cancellationToken) => new(_options.RenewInterval, _timeProvider, cancellationToken);

    /// <summary>A request's cancellation: the caller's token or the timeout on the peer's clock, whichever comes first.</summary>
    private sealed class RequestScope : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _linked;

        public RequestScope(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(timeout, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        }

        public CancellationToken Token => _linked.Token;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout.Dispose();
        }
    }
}
