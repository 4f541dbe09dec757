// Reference-only contract mirroring k8s.LeaderElection.LeaderElectionRecord of the official
// Kubernetes C# client. Equality compares holder, acquire time and renew time, as the official
// type does; LeaderElector relies on it to decide whether the record changed.
namespace k8s.LeaderElection
{
    using System;

    /// <summary>The leader election record exchanged with an <see cref="ILock"/>.</summary>
    public class LeaderElectionRecord
    {
        /// <summary>Gets or sets the holder identity; empty when nobody holds the lock.</summary>
        public string HolderIdentity { get; set; }

        /// <summary>Gets or sets the lease duration in seconds.</summary>
        public int LeaseDurationSeconds { get; set; }

        /// <summary>Gets or sets the acquire time (UTC).</summary>
        public DateTime? AcquireTime { get; set; }

        /// <summary>Gets or sets the renew time (UTC).</summary>
        public DateTime? RenewTime { get; set; }

        /// <summary>Gets or sets the number of leader transitions.</summary>
        public int LeaderTransitions { get; set; }

        /// <summary>Compares holder, acquire time and renew time.</summary>
        /// <param name="other">The other record.</param>
        /// <returns>Whether they are equal.</returns>
        protected bool Equals(LeaderElectionRecord other)
        {
            return HolderIdentity == other?.HolderIdentity
                && Nullable.Equals(AcquireTime, other.AcquireTime)
                && Nullable.Equals(RenewTime, other.RenewTime);
        }

        /// <inheritdoc/>
        public override bool Equals(object obj)
        {
            if (obj is null || obj.GetType() != GetType())
            {
                return false;
            }

            return ReferenceEquals(this, obj) || Equals((LeaderElectionRecord)obj);
        }

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(HolderIdentity, AcquireTime, RenewTime);
    }
}
