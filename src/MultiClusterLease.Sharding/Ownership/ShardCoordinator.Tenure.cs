using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using MultiClusterLease.Sharding.Fencing;
using MultiClusterLease.Sharding.Membership;
using MultiClusterLease.Sharding.Observation;

namespace MultiClusterLease.Sharding.Ownership;

/// <summary>One shard's tenure: acquire the fence and start the work; renew; cancel, await, then release.</summary>
internal sealed partial class ShardCoordinator
{
    private async Task AcquireAsync(ShardSlot slot, CancellationToken cancellationToken)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _timeProvider.GetTimestamp();
            using var timeout = RequestTimeout(cancellationToken);
            var token = await _fence.TryAcquireAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
            if (token is not { } t || cancellationToken.IsCancellationRequested)
            {
                slot.NextTryAt = _timeProvider.GetTimestamp() + Ticks(_options.FenceThrottle);
                if (token is not null)
                {
                    using var releaseTimeout = RequestTimeout(CancellationToken.None);
                    await _fence.ReleaseAsync(slot.Shard, releaseTimeout.Token).ConfigureAwait(false);
                }

                return;
            }

            StartWork(slot, t, start);
        }
        finally
        {
            _requests.Release();
        }
    }

    private void StartWork(ShardSlot slot, long token, long renewedFrom)
    {
        var work = new CancellationTokenSource();
        slot.Token = token;
        slot.RenewedFrom = renewedFrom;
        slot.Work = work;
        slot.Deadline = _timeProvider.CreateTimer(_ => OnDeadline(slot, work), null, Remaining(renewedFrom), Timeout.InfiniteTimeSpan);
        var assignment = new ShardAssignment(slot.Shard, token, _options.PeerId);
        LogOwnershipStarted(_logger, _options.PeerId, slot.Shard, token);
        slot.WorkTask = Task.Run(() => _worker.RunAsync(assignment, work.Token), CancellationToken.None);
        slot.State = ShardState.Owned;
        slot.WorkTask.ContinueWith(_ => _wake.Set(), TaskScheduler.Default);
    }

    private void OnDeadline(ShardSlot slot, CancellationTokenSource work)
    {
        try
        {
            LogRenewDeadlinePassed(_logger, _options.PeerId, slot.Shard);
            work.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _wake.Set();
    }

    private async Task RenewAsync(ShardSlot slot, CancellationToken cancellationToken)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _timeProvider.GetTimestamp();
            using var timeout = RequestTimeout(cancellationToken);
            var result = await _fence.RenewAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
            switch (result)
            {
                case FenceRenewal.Renewed:
                    slot.RenewedFrom = start;
                    slot.Deadline?.Change(Remaining(start), Timeout.InfiniteTimeSpan);
                    break;
                case FenceRenewal.Lost:
                    LogFenceLost(_logger, _options.PeerId, slot.Shard);
                    lock (_slots)
                    {
                        BeginStop(slot, "fence lost");
                    }

                    break;
                default:
                    break;
            }
        }
        finally
        {
            _requests.Release();
        }
    }

    /// <summary>Cancels the work, awaits it, then releases the fence; the slot is idle afterwards. Call under the lock.</summary>
    private void BeginStop(ShardSlot slot, string reason)
    {
        if (slot.State != ShardState.Owned)
        {
            return;
        }

        slot.State = ShardState.Stopping;
        slot.StopTask = StopAsync(slot, reason);
    }

    private async Task StopAsync(ShardSlot slot, string reason)
    {
        await Task.Yield();
        var work = slot.Work!;
        await work.CancelAsync().ConfigureAwait(false);
        try
        {
            await slot.WorkTask!.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogWorkFailed(_logger, _options.PeerId, slot.Shard, e);
        }

        if (slot.Deadline is { } deadline)
        {
            await deadline.DisposeAsync().ConfigureAwait(false);
        }

        using (var timeout = RequestTimeout(CancellationToken.None))
        {
            await _fence.ReleaseAsync(slot.Shard, timeout.Token).ConfigureAwait(false);
        }

        LogOwnershipEnded(_logger, _options.PeerId, slot.Shard, slot.Token, reason);
        work.Dispose();
        slot.Work = null;
        slot.WorkTask = null;
        slot.Deadline = null;
        slot.NextTryAt = _timeProvider.GetTimestamp() + Ticks(_options.FenceThrottle);
        slot.State = ShardState.Idle;
        _wake.Set();
    }

    private TimeSpan Remaining(long renewedFrom)
    {
        var left = _options.RenewDeadline - _timeProvider.GetElapsedTime(renewedFrom);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
