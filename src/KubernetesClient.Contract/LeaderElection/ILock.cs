// Reference-only contract. It mirrors the public shape of k8s.LeaderElection.ILock in the official
// Kubernetes C# client (kubernetes-client/csharp) so MultiClusterLease.Client can implement it
// without the package being restorable here. It is never shipped.
namespace k8s.LeaderElection
{
    using System.Threading;
    using System.Threading.Tasks;

    /// <summary>A resource lock used by <c>LeaderElector</c>.</summary>
    public interface ILock
    {
        /// <summary>Reads the current leader election record.</summary>
        /// <param name="cancellationToken">Cancels the read.</param>
        /// <returns>The record, or <see langword="null"/> when none exists.</returns>
        Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default);

        /// <summary>Attempts to create the record.</summary>
        /// <param name="record">The record to create.</param>
        /// <param name="cancellationToken">Cancels the attempt.</param>
        /// <returns><see langword="true"/> when created.</returns>
        Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default);

        /// <summary>Attempts to update the record.</summary>
        /// <param name="record">The record to write.</param>
        /// <param name="cancellationToken">Cancels the attempt.</param>
        /// <returns><see langword="true"/> when updated.</returns>
        Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default);

        /// <summary>Gets the identity of this candidate.</summary>
        string Identity { get; }

        /// <summary>Describes the lock for logs.</summary>
        /// <returns>A human-readable description.</returns>
        string Describe();
    }
}
