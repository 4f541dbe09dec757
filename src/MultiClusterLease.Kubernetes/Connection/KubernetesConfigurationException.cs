namespace MultiClusterLease.Kubernetes.Connection;

/// <summary>
/// The Kubernetes client configuration (kubeconfig or in-cluster service account) is missing or invalid. The message
/// names the file and context involved and how to fix it.
/// </summary>
public sealed class KubernetesConfigurationException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public KubernetesConfigurationException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
