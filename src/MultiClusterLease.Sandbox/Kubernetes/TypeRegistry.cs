namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>The resources a server currently serves: the built-ins plus those of the established CRDs. Thread-safe;
/// readers get immutable snapshots.</summary>
internal sealed class TypeRegistry
{
    private readonly Lock _gate = new();
    private IReadOnlyList<ResourceType> _types = ResourceType.BuiltIns;
    private int _revision;

    /// <summary>Gets a snapshot of every served resource version.</summary>
    public IReadOnlyList<ResourceType> All => Volatile.Read(ref _types);

    /// <summary>Gets a number that changes whenever the set of resources changes.</summary>
    public int Revision => Volatile.Read(ref _revision);

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public ResourceType? Find(string group, string plural) =>
        All.Where(t => t.Group == group && t.Plural == plural).OrderByDescending(t => t.PreferredVersion).FirstOrDefault();

    /// <summary>Replaces what one CRD serves.</summary>
    /// <param name="crdName">The CRD's name.</param>
    /// <param name="types">Its served versions; empty when the CRD is gone.</param>
    /// <returns>The resources no longer served at any version, whose objects are to be dropped.</returns>
    public IReadOnlyList<ResourceType> SetCrd(string crdName, IReadOnlyList<ResourceType> types)
    {
        lock (_gate)
        {
            var previous = _types.Where(t => t.CrdName == crdName).ToList();
            var next = _types.Where(t => t.CrdName != crdName).Concat(types).ToList();
            Volatile.Write(ref _types, next);
            Interlocked.Increment(ref _revision);
            return previous.Where(p => !next.Any(t => t.StorageKey == p.StorageKey)).DistinctBy(p => p.StorageKey).ToList();
        }
    }
}
