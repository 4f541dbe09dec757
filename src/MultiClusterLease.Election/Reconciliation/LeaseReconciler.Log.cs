using Microsoft.Extensions.Logging;
using MultiClusterLease.Election.Protocol;

namespace MultiClusterLease.Election.Reconciliation;

public sealed partial class LeaseReconciler
{
    internal static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Lease}: {Action} wrote holder '{Holder}' epoch {Epoch} at generation {Generation}: {Reason}")]
        public static partial void Wrote(ILogger logger, string lease, ElectionAction action, string holder, long epoch, long generation, string reason);

        [LoggerMessage(2, LogLevel.Information, "{Lease}: {Action} lost a race (ifGenerationMatch={Expected}); re-reading the lock")]
        public static partial void PreconditionFailed(ILogger logger, string lease, ElectionAction action, long expected);

        [LoggerMessage(3, LogLevel.Warning, "{Lease}: lock backend failed: {Message}")]
        public static partial void BackendFailed(ILogger logger, string lease, string message);

        [LoggerMessage(4, LogLevel.Error, "{Lease}: the lock object is corrupt and will not be overwritten: {Error}")]
        public static partial void LockCorrupt(ILogger logger, string lease, string error);

        [LoggerMessage(5, LogLevel.Warning, "{Lease}: invalid spec: {Error}")]
        public static partial void InvalidSpec(ILogger logger, string lease, string error);

        [LoggerMessage(6, LogLevel.Error, "{Lease}: reconcile failed; retrying")]
        public static partial void ReconcileFailed(ILogger logger, string lease, Exception exception);

        [LoggerMessage(7, LogLevel.Information, "{Lease}: lock name changed from '{Old}' to '{New}'")]
        public static partial void LockNameChanged(ILogger logger, string lease, string old, string @new);

        [LoggerMessage(8, LogLevel.Debug, "{Lease}: reconciler stopped")]
        public static partial void Stopped(ILogger logger, string lease);

        [LoggerMessage(9, LogLevel.Debug, "{Lease}: the object vanished during a reconcile")]
        public static partial void LeaseVanished(ILogger logger, string lease);

        [LoggerMessage(11, LogLevel.Debug, "{Lease}: renewed for '{Holder}' at generation {Generation}")]
        public static partial void Renewed(ILogger logger, string lease, string holder, long generation);

        [LoggerMessage(12, LogLevel.Information, "{Lease}: being deleted; waiting up to {Seconds} s for the lease of '{Holder}' to run out before releasing the lock")]
        public static partial void ReleasePending(ILogger logger, string lease, string holder, int seconds);

        [LoggerMessage(13, LogLevel.Information, "{Lease}: gone without the finalizer while '{Holder}' may still lead; the lock is left to expire")]
        public static partial void LeftToExpire(ILogger logger, string lease, string holder);

        [LoggerMessage(10, LogLevel.Warning, "{Lease}: could not release the lock of a deleted lease")]
        public static partial void ReleaseFailed(ILogger logger, string lease, Exception exception);
    }
}
