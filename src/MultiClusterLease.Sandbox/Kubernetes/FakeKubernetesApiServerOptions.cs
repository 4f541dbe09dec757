using MultiClusterLease.Sandbox.Faults;

namespace MultiClusterLease.Sandbox.Kubernetes;

/// <summary>Settings of one <see cref="FakeKubernetesApiServer"/> (one simulated cluster).</summary>
public sealed class FakeKubernetesApiServerOptions
{
    /// <summary>Gets the folder the CRDs are read from by default: <c>crd/</c> next to the assembly, where the build copies
    /// <c>config/crd/bases/*.yaml</c>.</summary>
    public static string DefaultCrdDirectory => Path.Combine(AppContext.BaseDirectory, "crd");

    /// <summary>Gets the cluster's name, used in logs and kubeconfig contexts.</summary>
    public string ClusterName { get; init; } = "sandbox";

    /// <summary>Gets the TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Gets the YAML files of the CustomResourceDefinitions installed at start;
    /// <see langword="null"/> = every <c>*.yaml</c> in <see cref="DefaultCrdDirectory"/> (none if it does not exist).</summary>
    public IReadOnlyList<string>? CrdFiles { get; init; }

    /// <summary>Gets the clock for timestamps (creationTimestamp, deletionTimestamp) and for the ages printed in tables.
    /// Watch timeouts and bookmarks run on real time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets how often a watch that asked for bookmarks (<c>allowWatchBookmarks=true</c>) gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how many changes are kept for watches that resume from a resourceVersion; older ones get 410 Expired.</summary>
    public int WatchHistoryLimit { get; init; } = 10_000;

    /// <summary>Gets the fault injector to install; <see langword="null"/> = a new one (see <see cref="FakeKubernetesApiServer.Faults"/>).</summary>
    public FaultInjector? Faults { get; init; }
}
