using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs.Tests;

public sealed class GcsLockBackendOptionsValidatorTests
{
    [Theory]
    [InlineData("my-bucket")]
    [InlineData("a_b")]
    [InlineData("abc")]
    [InlineData("123")]
    [InlineData("example.com.leases")]
    public void ValidBucketNames_Pass(string bucket)
        => Assert.Null(GcsLockBackendOptionsValidator.BucketNameError(bucket));

    [Theory]
    [InlineData("", "required")]
    [InlineData("gs://my-bucket", "without gs://")]
    [InlineData("ab", "3-63")]
    [InlineData("My-Bucket", "lowercase")]
    [InlineData("-bucket", "start and end")]
    [InlineData("bucket_", "start and end")]
    [InlineData("my bucket", "lowercase")]
    [InlineData("a..b", "1-63")]
    [InlineData("192.168.5.4", "IP address")]
    [InlineData("goog-locks", "goog")]
    [InlineData("my-google-locks", "google")]
    public void InvalidBucketNames_AreExplained(string bucket, string expected)
        => Assert.Contains(expected, GcsLockBackendOptionsValidator.BucketNameError(bucket), StringComparison.Ordinal);

    [Fact]
    public void BucketNameLengths_FollowTheDotRule()
    {
        Assert.Contains("3-63", GcsLockBackendOptionsValidator.BucketNameError(new string('a', 64)), StringComparison.Ordinal);
        Assert.Null(GcsLockBackendOptionsValidator.BucketNameError(new string('a', 63) + "." + new string('b', 63)));
        Assert.Contains("1-63", GcsLockBackendOptionsValidator.BucketNameError(new string('a', 64) + ".b"), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_WithABucket_AreValid()
    {
        var options = new GcsLockBackendOptions { Bucket = "my-bucket" };

        Assert.True(Validate(options).Succeeded);
        Assert.Equal("multiclusterlease-controller/0.1", options.UserAgent);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8), options.OperationTimeout);
        Assert.Equal("", options.Prefix);
    }

    [Theory]
    [InlineData(nameof(GcsLockBackendOptions.Bucket), "Bucket is required")]
    [InlineData(nameof(GcsLockBackendOptions.Prefix), "carriage return")]
    [InlineData(nameof(GcsLockBackendOptions.Endpoint), "absolute http:// or https://")]
    [InlineData(nameof(GcsLockBackendOptions.UserAgent), "UserAgent is required")]
    [InlineData("UserAgentSyntax", "is not a User-Agent header value")]
    [InlineData(nameof(GcsLockBackendOptions.RequestTimeout), "RequestTimeout must be positive")]
    [InlineData(nameof(GcsLockBackendOptions.OperationTimeout), "OperationTimeout must be between")]
    [InlineData("Timeouts", "must not exceed OperationTimeout")]
    [InlineData(nameof(GcsLockBackendOptions.CredentialsFile), "does not exist")]
    public void InvalidOptions_FailWithAClearMessage(string what, string expected)
    {
        var options = new GcsLockBackendOptions { Bucket = "my-bucket" };
        switch (what)
        {
            case nameof(GcsLockBackendOptions.Bucket): options.Bucket = ""; break;
            case nameof(GcsLockBackendOptions.Prefix): options.Prefix = "a\nb/"; break;
            case nameof(GcsLockBackendOptions.Endpoint): options.Endpoint = new Uri("ftp://storage.example.com"); break;
            case nameof(GcsLockBackendOptions.UserAgent): options.UserAgent = " "; break;
            case "UserAgentSyntax": options.UserAgent = "controller@cluster-a [x]"; break;
            case nameof(GcsLockBackendOptions.RequestTimeout): options.RequestTimeout = TimeSpan.Zero; break;
            case nameof(GcsLockBackendOptions.OperationTimeout): options.OperationTimeout = TimeSpan.Zero; break;
            case "Timeouts": options.RequestTimeout = TimeSpan.FromSeconds(10); break;
            case nameof(GcsLockBackendOptions.CredentialsFile): options.CredentialsFile = "/no/such/key.json"; break;
        }

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidEmulatorHost_FailsValidation()
    {
        var result = new GcsLockBackendOptionsValidator(_ => "http://[broken")
            .Validate(null, new GcsLockBackendOptions { Bucket = "my-bucket" });

        Assert.Contains("STORAGE_EMULATOR_HOST", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddGcsLockBackend_ValidatesAtStartup()
    {
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddGcsLockBackend(o => o.Bucket = "Not_A_Valid_Bucket")
            .BuildServiceProvider();

        var startup = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Bucket 'Not_A_Valid_Bucket'", startup.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ILockBackend>());
    }

    private static ValidateOptionsResult Validate(GcsLockBackendOptions options)
        => new GcsLockBackendOptionsValidator(_ => null).Validate(null, options);
}
