namespace MultiClusterLease.Backend.Gcs.Tests;

public sealed class GcsEndpointTests
{
    [Fact]
    public void Default_IsProductionWithCredentials()
    {
        var endpoint = GcsEndpoint.TryResolve(null, _ => null, out var error);

        Assert.Null(error);
        Assert.Equal(new GcsEndpoint(new Uri("https://storage.googleapis.com/"), IsEmulator: false), endpoint);
    }

    [Theory]
    [InlineData("localhost:9023", "http://localhost:9023/")]
    [InlineData("http://127.0.0.1:4443", "http://127.0.0.1:4443/")]
    [InlineData("https://gcs.internal.example/base", "https://gcs.internal.example/base/")]
    public void EmulatorHost_IsUsedWithoutCredentials(string variable, string expected)
    {
        var endpoint = GcsEndpoint.TryResolve(null, name => name == "STORAGE_EMULATOR_HOST" ? variable : null, out _);

        Assert.Equal(new GcsEndpoint(new Uri(expected), IsEmulator: true), endpoint);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4443", true)]
    [InlineData("https://storage.example.com", false)]
    public void ExplicitEndpoint_WinsOverTheEnvironment_AndHttpMeansEmulator(string configured, bool emulator)
    {
        var endpoint = GcsEndpoint.TryResolve(new Uri(configured), _ => "localhost:1", out _);

        Assert.Equal(new GcsEndpoint(new Uri(configured + "/"), emulator), endpoint);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4443/", "http://127.0.0.1:4443/storage/v1/")]
    [InlineData("https://gcs.internal.example/base/", "https://gcs.internal.example/base/storage/v1/")]
    [InlineData("https://storage.googleapis.com/storage/v1/", "https://storage.googleapis.com/storage/v1/")]
    public void ServiceUri_IsTheJsonApiUnderTheEndpoint(string baseAddress, string expected)
        => Assert.Equal(new Uri(expected), new GcsEndpoint(new Uri(baseAddress), IsEmulator: false).ServiceUri);
}
