using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Election.Backend;
using MultiClusterLease.Sandbox.Faults;
using MultiClusterLease.Sandbox.Gcs;

namespace MultiClusterLease.Backend.Gcs.Tests;

public sealed class GcsLockBackendTests
{
    private const string Lock = "default/my-lock";

    [Fact]
    public async Task Describe_GivesTheGsUrlWithPrefix()
    {
        await using var harness = await GcsHarness.StartAsync(configure: o => o.Prefix = "team-a/");

        Assert.Equal($"gs://{GcsHarness.Bucket}/team-a/leases/default/my-lock", harness.Backend.Describe(Lock));
    }

    [Fact]
    public async Task Read_AbsentObject_IsAbsent_InOneRequest_WithTheUserAgent()
    {
        await using var harness = await GcsHarness.StartAsync();

        var snapshot = await harness.Backend.ReadAsync(Lock, CancellationToken.None);

        Assert.Same(LockSnapshot.Absent, snapshot);
        Assert.Equal(1, harness.Server.RequestCount("read", GcsHarness.Bucket, GcsHarness.ObjectName(Lock), caller: harness.Caller));
    }

    [Fact]
    public async Task Create_ThenConditionalUpdate_CommitsWithTheServersGenerations()
    {
        await using var harness = await GcsHarness.StartAsync();
        var first = GcsHarness.Record("pod-a");

        var created = await harness.Backend.WriteAsync(Lock, first, 0, CancellationToken.None);

        Assert.Equal(LockWriteStatus.Committed, created.Status);
        Assert.Equal(harness.StoredObject(Lock).Generation, created.Generation);
        var read = await harness.Backend.ReadAsync(Lock, CancellationToken.None);
        Assert.Equal(created.Generation, read.Generation);
        Assert.Equal(first, read.Record);

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var second = first with { RenewTime = first.RenewTime.AddSeconds(2), Nonce = "n-2" };
        var updated = await harness.Backend.WriteAsync(Lock, second, created.Generation, CancellationToken.None);

        Assert.Equal(LockWriteStatus.Committed, updated.Status);
        Assert.NotEqual(created.Generation, updated.Generation);
        Assert.Equal(updated.Generation, harness.StoredObject(Lock).Generation);
        Assert.Equal(second, (await harness.Backend.ReadAsync(Lock, CancellationToken.None)).Record);
        Assert.Equal(2, harness.Server.RequestCount("write", GcsHarness.Bucket, GcsHarness.ObjectName(Lock)));
    }

    [Fact]
    public async Task Renewal_IsOneMultipartRequest_AndARead_OneMediaDownload()
    {
        await using var harness = await GcsHarness.StartAsync();
        var created = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        harness.Server.Faults.ResetCounts();

        var renewed = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), created.Generation, CancellationToken.None);
        var requestsOfRenewal = harness.Server.Faults.Counts().Where(c => !c.Key.StartsWith("caller:", StringComparison.Ordinal)).ToList();
        harness.Server.Faults.ResetCounts();
        var read = await harness.Backend.ReadAsync(Lock, CancellationToken.None);
        var requestsOfRead = harness.Server.Faults.Counts().Where(c => !c.Key.StartsWith("caller:", StringComparison.Ordinal)).ToList();

        Assert.Equal(LockWriteStatus.Committed, renewed.Status);
        Assert.Equal(renewed.Generation, read.Generation);
        Assert.Equal([new KeyValuePair<string, long>($"write {GcsHarness.Bucket}/{GcsHarness.ObjectName(Lock)}", 1)], requestsOfRenewal);
        Assert.Equal([new KeyValuePair<string, long>($"read {GcsHarness.Bucket}/{GcsHarness.ObjectName(Lock)}", 1)], requestsOfRead);
        Assert.Equal(1, harness.Server.RequestCount("read", caller: harness.Caller + " google-api-dotnet-client/"));
    }

    [Fact]
    public async Task Write_SendsJsonWithCamelCaseFieldsAndNoCacheMetadata()
    {
        await using var harness = await GcsHarness.StartAsync();
        await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a", nonce: "n-1"), 0, CancellationToken.None);

        using var body = JsonDocument.Parse(harness.StoredObject(Lock).Body);
        Assert.Equal("pod-a", body.RootElement.GetProperty("holderIdentity").GetString());
        Assert.Equal("2025-06-01T12:00:00.123456Z", body.RootElement.GetProperty("renewTime").GetString());
        Assert.Equal("2025-06-01T11:59:00.000000Z", body.RootElement.GetProperty("acquireTime").GetString());
        Assert.Equal(15, body.RootElement.GetProperty("leaseDurationSeconds").GetInt32());
        Assert.Equal(1, body.RootElement.GetProperty("epoch").GetInt64());
        Assert.Equal("n-1", body.RootElement.GetProperty("nonce").GetString());

        using var http = new HttpClient { BaseAddress = harness.Server.BaseAddress };
        using var metadata = JsonDocument.Parse(await http.GetStringAsync($"storage/v1/b/{GcsHarness.Bucket}/o/leases%2Fdefault%2Fmy-lock"));
        Assert.Equal("application/json", metadata.RootElement.GetProperty("contentType").GetString());
        Assert.Equal("no-cache, no-store, must-revalidate", metadata.RootElement.GetProperty("cacheControl").GetString());
    }

    [Fact]
    public async Task Write_WithStaleGeneration_IsPreconditionFailed_AndChangesNothing()
    {
        await using var harness = await GcsHarness.StartAsync();
        var created = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var updated = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-b", epoch: 2), created.Generation, CancellationToken.None);
        var before = harness.StoredObject(Lock);
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        var stale = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-c", epoch: 2), created.Generation, CancellationToken.None);
        var recreate = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-c", epoch: 2), 0, CancellationToken.None);

        Assert.Equal(LockWriteStatus.Committed, updated.Status);
        Assert.Equal(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0), stale);
        Assert.Equal(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0), recreate);
        Assert.Equal(before, harness.StoredObject(Lock));
    }

    [Theory]
    [InlineData("this is not json", "not a valid lock record")]
    [InlineData("", "empty")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("""{"holderIdentity":"pod-a"}""", "renewTime")]
    [InlineData("""{"renewTime":"2025-06-01T12:00:00Z"}""", "holderIdentity")]
    [InlineData("""{"holderIdentity":"pod-a","renewTime":"yesterday"}""", "RFC 3339")]
    public async Task Read_CorruptObject_IsReportedWithItsGeneration_NotThrown(string body, string expectedError)
    {
        await using var harness = await GcsHarness.StartAsync();
        harness.Server.PutRaw(GcsHarness.Bucket, GcsHarness.ObjectName(Lock), Encoding.UTF8.GetBytes(body));

        var snapshot = await harness.Backend.ReadAsync(Lock, CancellationToken.None);

        Assert.True(snapshot.IsCorrupt);
        Assert.Null(snapshot.Record);
        Assert.Equal(harness.StoredObject(Lock).Generation, snapshot.Generation);
        Assert.Contains(expectedError, snapshot.CorruptionError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ObjectWrittenByTheGoImplementation_IsValid()
    {
        await using var harness = await GcsHarness.StartAsync();
        const string goBody = """{"holderIdentity":"cluster-a-pod","renewTime":"2025-06-01T12:00:00.123456789+02:00","leaseDurationSeconds":15,"leaseTransitions":3}""";
        harness.Server.PutRaw(GcsHarness.Bucket, GcsHarness.ObjectName(Lock), Encoding.UTF8.GetBytes(goBody));

        var snapshot = await harness.Backend.ReadAsync(Lock, CancellationToken.None);

        Assert.False(snapshot.IsCorrupt);
        Assert.Equal(harness.StoredObject(Lock).Generation, snapshot.Generation);
        Assert.Equal(
            new LockRecord
            {
                HolderIdentity = "cluster-a-pod",
                RenewTime = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567),
                LeaseDurationSeconds = 15,
                LeaseTransitions = 3,
            },
            snapshot.Record);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Read_TransientErrorOnce_IsRetried(int status)
    {
        await using var harness = await GcsHarness.StartAsync();
        var created = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);
        harness.Server.Faults.Add(new FaultRule { Method = "GET", Action = FaultAction.Error, StatusCode = status, RemainingCount = 1 });

        var snapshot = await harness.RunAsync(harness.Backend.ReadAsync(Lock, CancellationToken.None));

        Assert.Equal(created.Generation, snapshot.Generation);
        Assert.Equal("pod-a", snapshot.Record?.HolderIdentity);
        Assert.Equal(2, harness.Server.RequestCount("read", GcsHarness.Bucket, GcsHarness.ObjectName(Lock)));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Write_NotAppliedErrorOnce_IsRetriedAfterAtLeastOneSecond(int status)
    {
        await using var harness = await GcsHarness.StartAsync();
        harness.Server.Faults.Add(new FaultRule { Method = "POST", PathContains = "/upload/", Action = FaultAction.Error, StatusCode = status, RemainingCount = 1 });
        var record = GcsHarness.Record("pod-a");
        var started = harness.Time.GetUtcNow();

        var result = await harness.RunAsync(harness.Backend.WriteAsync(Lock, record, 0, CancellationToken.None));

        Assert.Equal(LockWriteStatus.Committed, result.Status);
        Assert.True(harness.Time.GetUtcNow() - started >= TimeSpan.FromSeconds(1), "the retry waited at least 1 s");
        var stored = harness.StoredObject(Lock);
        Assert.Equal(result.Generation, stored.Generation);
        Assert.Contains(record.Nonce!, stored.Body, StringComparison.Ordinal);
        Assert.Equal(2, harness.Server.RequestCount("write", GcsHarness.Bucket, GcsHarness.ObjectName(Lock)));
        Assert.Equal(0, harness.Server.RequestCount("read"));
    }

    [Fact]
    public async Task Write_SecondWriteWithinOneSecond_IsRateLimitedByTheServer_AndRetriedOnceAfterOneSecond()
    {
        await using var harness = await GcsHarness.StartAsync();
        var created = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);
        var started = harness.Time.GetUtcNow();

        var renew = harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), created.Generation, CancellationToken.None);
        await GcsHarness.WaitUntilAsync(() => harness.Server.ResponseCount(429) == 1, "the server answered 429");
        var result = await harness.RunAsync(renew);

        Assert.Equal(LockWriteStatus.Committed, result.Status);
        Assert.Equal(result.Generation, harness.StoredObject(Lock).Generation);
        Assert.True(harness.Time.GetUtcNow() - started >= TimeSpan.FromSeconds(1));

        // A retry sooner than 1 s would have met the server's limit again.
        Assert.Equal(1, harness.Server.ResponseCount(429));
        Assert.Equal(3, harness.Server.RequestCount("write", GcsHarness.Bucket, GcsHarness.ObjectName(Lock)));
    }

    [Fact]
    public async Task Write_ResponseDroppedAfterCommit_IsSettledAsCommittedByNonce()
    {
        await using var harness = await GcsHarness.StartAsync();
        harness.Server.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.DropResponse, RemainingCount = 1 });
        var record = GcsHarness.Record("pod-a");

        var result = await harness.RunAsync(harness.Backend.WriteAsync(Lock, record, 0, CancellationToken.None));

        Assert.Equal(new LockWriteResult(LockWriteStatus.Committed, harness.StoredObject(Lock).Generation), result);
        Assert.Equal(1, harness.Server.RequestCount("write"));
        Assert.Equal(1, harness.Server.RequestCount("read"));
    }

    [Fact]
    public async Task Write_ResponseDroppedWhenACompetingWriteLandedFirst_IsPreconditionFailed()
    {
        await using var harness = await GcsHarness.StartAsync();
        var created = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);
        harness.Server.PutRaw(GcsHarness.Bucket, GcsHarness.ObjectName(Lock), LockJson("pod-b", "competitor"));
        var competitor = harness.StoredObject(Lock);
        harness.Server.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.DropResponse, RemainingCount = 1 });
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        var result = await harness.RunAsync(harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), created.Generation, CancellationToken.None));

        Assert.Equal(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0), result);
        Assert.Equal(competitor, harness.StoredObject(Lock));
    }

    [Fact]
    public async Task Write_ServerErrorAfterACompetingWrite_IsSettledAsPreconditionFailed()
    {
        await using var harness = await GcsHarness.StartAsync();
        harness.Server.PutRaw(GcsHarness.Bucket, GcsHarness.ObjectName(Lock), LockJson("pod-b", "competitor"));
        harness.Server.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.Error, StatusCode = 502, RemainingCount = 1 });

        var result = await harness.RunAsync(harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None));

        Assert.Equal(new LockWriteResult(LockWriteStatus.PreconditionFailed, 0), result);
        Assert.Equal(1, harness.Server.RequestCount("write"));
    }

    [Fact]
    public async Task Write_TimedOutAndNotApplied_IsSettledAsUnchanged_ThenRetried()
    {
        var requestTimeout = TimeSpan.FromSeconds(5);
        await using var harness = await GcsHarness.StartAsync(configure: o => o.RequestTimeout = requestTimeout);
        harness.Server.Faults.Add(new FaultRule { Method = "POST", Action = FaultAction.Partition, RemainingCount = 1 });
        var record = GcsHarness.Record("pod-a");

        var write = harness.Backend.WriteAsync(Lock, record, 0, CancellationToken.None);
        await GcsHarness.WaitUntilAsync(() => harness.Server.RequestCount("write") == 1, "the write reached the server");
        harness.Time.Advance(requestTimeout);
        var result = await harness.RunAsync(write);

        Assert.Equal(new LockWriteResult(LockWriteStatus.Committed, harness.StoredObject(Lock).Generation), result);
        Assert.Contains(record.Nonce!, harness.StoredObject(Lock).Body, StringComparison.Ordinal);
        Assert.Equal(2, harness.Server.RequestCount("write"));
        Assert.True(harness.Server.RequestCount("read") >= 1);
    }

    [Fact]
    public async Task RandomGenerations_CreateUpdateAndStaleWriteStillWork()
    {
        await using var harness = await GcsHarness.StartAsync(GcsGenerationMode.Random);
        var generations = new List<long>();
        var current = 0L;
        for (var i = 0; i < 4; i++)
        {
            var result = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), current, CancellationToken.None);
            Assert.Equal(LockWriteStatus.Committed, result.Status);
            Assert.Equal(result.Generation, (await harness.Backend.ReadAsync(Lock, CancellationToken.None)).Generation);
            current = result.Generation;
            generations.Add(current);
            harness.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var stale = await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-b"), generations[^2], CancellationToken.None);

        Assert.Equal(LockWriteStatus.PreconditionFailed, stale.Status);
        Assert.Equal(generations.Count, generations.Distinct().Count());
        Assert.Equal(current, harness.StoredObject(Lock).Generation);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Forbidden_ThrowsWithTheNeededPermissions_WithoutRetrying(string method)
    {
        await using var harness = await GcsHarness.StartAsync();
        harness.Server.Faults.Add(new FaultRule { Method = method, Action = FaultAction.Error, StatusCode = 403 });

        var error = await Assert.ThrowsAsync<LockBackendException>(() => method == "GET"
            ? harness.Backend.ReadAsync(Lock, CancellationToken.None)
            : harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None));

        Assert.Equal(403, error.StatusCode);
        foreach (var expected in new[] { "storage.objects.get", "storage.objects.create", "storage.objects.delete", "roles/storage.objectUser", "Application Default Credentials" })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, harness.Server.Faults.Counts().Where(c => !c.Key.StartsWith("caller:", StringComparison.Ordinal)).Sum(c => c.Value));
    }

    [Fact]
    public async Task MissingBucket_ThrowsAClearMessage()
    {
        await using var harness = await GcsHarness.StartAsync(configure: o => o.Bucket = "no-such-bucket");

        var write = await Assert.ThrowsAsync<LockBackendException>(() => harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None));
        var read = await Assert.ThrowsAsync<LockBackendException>(() => harness.Backend.ReadAsync(Lock, CancellationToken.None));

        Assert.Equal(404, write.StatusCode);
        Assert.Contains("Bucket 'no-such-bucket' does not exist", write.Message, StringComparison.Ordinal);
        Assert.Contains("Bucket 'no-such-bucket' does not exist", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PersistentServerError_GivesUpAtTheOperationTimeout_WithTheLastStatus()
    {
        await using var harness = await GcsHarness.StartAsync(configure: o =>
        {
            o.RequestTimeout = TimeSpan.FromSeconds(3);
            o.OperationTimeout = TimeSpan.FromSeconds(3);
        });
        harness.Server.Faults.Add(new FaultRule { Method = "GET", Action = FaultAction.Error, StatusCode = 503 });

        var error = await Assert.ThrowsAsync<LockBackendException>(() => harness.RunAsync(harness.Backend.ReadAsync(Lock, CancellationToken.None)));

        Assert.Equal(503, error.StatusCode);
        Assert.True(harness.Server.RequestCount("read") > 1);
    }

    [Fact]
    public async Task CredentialsFile_WhoseTokenCannotBeObtained_FailsWithACredentialsMessage()
    {
        // A service account whose token endpoint is a closed local port: loading works, the token exchange fails fast.
        using var key = RSA.Create(2048);
        var file = Path.Combine(Path.GetTempPath(), $"mcl-sa-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "p",
            ["private_key_id"] = "k",
            ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "controller@p.iam.gserviceaccount.com",
            ["client_id"] = "1",
            ["token_uri"] = "http://127.0.0.1:1/token",
        }));
        try
        {
            await using var services = new ServiceCollection()
                .AddLogging()
                .AddGcsLockBackend(o =>
                {
                    o.Bucket = GcsHarness.Bucket;
                    o.Endpoint = new Uri("https://127.0.0.1:1/");
                    o.CredentialsFile = file;
                })
                .BuildServiceProvider();

            var error = await Assert.ThrowsAsync<LockBackendException>(
                () => services.GetRequiredService<ILockBackend>().ReadAsync(Lock, CancellationToken.None));

            Assert.Contains($"Could not get a Google access token from credentials file '{file}'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Write_RequiresANonce()
    {
        await using var harness = await GcsHarness.StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a") with { Nonce = null }, 0, CancellationToken.None));
        Assert.Equal(0, harness.Server.RequestCount("write"));
    }

    [Fact]
    public async Task Requests_AreCountedInTheMeter()
    {
        await using var harness = await GcsHarness.StartAsync();
        var factory = harness.Services.GetRequiredService<IMeterFactory>();
        var measurements = new List<(string Instrument, string? Operation, string? Code)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "MultiClusterLease.Gcs" && instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Record(instrument, tags));
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument, tags));
        listener.Start();

        await harness.Backend.ReadAsync(Lock, CancellationToken.None);
        await harness.Backend.WriteAsync(Lock, GcsHarness.Record("pod-a"), 0, CancellationToken.None);

        lock (measurements)
        {
            Assert.Contains(("multiclusterlease_gcs_requests_total", "read", "404"), measurements);
            Assert.Contains(("multiclusterlease_gcs_requests_total", "write", "200"), measurements);
            Assert.Contains(("multiclusterlease_gcs_request_duration_seconds", "write", "200"), measurements);
        }

        void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? operation = null, code = null;
            foreach (var tag in tags)
            {
                operation = tag.Key == "operation" ? tag.Value as string : operation;
                code = tag.Key == "code" ? tag.Value as string : code;
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, operation, code));
            }
        }
    }

    private static byte[] LockJson(string holder, string nonce)
        => Encoding.UTF8.GetBytes($$"""{"holderIdentity":"{{holder}}","renewTime":"2025-06-01T12:00:00Z","leaseDurationSeconds":15,"leaseTransitions":0,"epoch":1,"nonce":"{{nonce}}"}""");
}
