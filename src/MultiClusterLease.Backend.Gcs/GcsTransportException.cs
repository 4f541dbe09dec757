namespace MultiClusterLease.Backend.Gcs;

/// <summary>A GCS request got no answer: connection error, dropped connection, or request timeout. It may have been processed.</summary>
internal sealed class GcsTransportException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public GcsTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
