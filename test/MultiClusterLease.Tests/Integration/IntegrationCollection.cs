namespace MultiClusterLease.Tests.Integration;

/// <summary>Integration tests run one at a time: they measure election timings on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    public const string Name = "Integration";
}
