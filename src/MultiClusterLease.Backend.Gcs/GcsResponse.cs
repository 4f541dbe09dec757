namespace MultiClusterLease.Backend.Gcs;

/// <summary>The answer to one GCS request: an HTTP status with what the lock needs of it.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The object data of a successful read; empty otherwise.</param>
/// <param name="Generation">The object generation: the <c>x-goog-generation</c> header of a read, the resource's <c>generation</c> of a write.</param>
/// <param name="ErrorMessage">The message of a GCS error (<see cref="Google.GoogleApiException"/>); empty on success.</param>
internal sealed record GcsResponse(int StatusCode, byte[] Body, long? Generation, string ErrorMessage);
