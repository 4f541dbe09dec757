using System.Text;
using MultiClusterLease.Election.Backend;

namespace MultiClusterLease.Backend.Gcs.Tests;

public sealed class LockRecordCodecTests
{
    [Fact]
    public void Encode_WritesUtcRfc3339WithMicroseconds_AndOmitsNulls()
    {
        var record = new LockRecord
        {
            HolderIdentity = "pod-a",
            RenewTime = new DateTimeOffset(2025, 6, 1, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567),
            LeaseDurationSeconds = 15,
            LeaseTransitions = 2,
            Epoch = 3,
        };

        var json = Encoding.UTF8.GetString(LockRecordCodec.Encode(record));

        Assert.Equal("""{"holderIdentity":"pod-a","renewTime":"2025-06-01T12:00:00.123456Z","leaseDurationSeconds":15,"leaseTransitions":2,"epoch":3}""", json);
    }

    [Fact]
    public void EncodeThenDecode_RoundTrips()
    {
        var record = new LockRecord
        {
            HolderIdentity = "pod-a",
            RenewTime = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234560),
            LeaseDurationSeconds = 15,
            LeaseTransitions = 2,
            AcquireTime = new DateTimeOffset(2025, 6, 1, 11, 0, 0, TimeSpan.Zero),
            Epoch = 3,
            Nonce = "abc",
        };

        var snapshot = LockRecordCodec.Decode(LockRecordCodec.Encode(record), 42);

        Assert.Equal(new LockSnapshot { Generation = 42, Record = record }, snapshot);
    }

    [Theory]
    [InlineData("2025-06-01T12:00:00Z", 0)]
    [InlineData("2025-06-01T12:00:00.5Z", 5000000)]
    [InlineData("2025-06-01T12:00:00.123456789Z", 1234567)]
    [InlineData("2025-06-01T14:00:00.123456789+02:00", 1234567)]
    public void Decode_AcceptsGoTimes(string renewTime, long ticks)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"holderIdentity":"x","renewTime":"{{renewTime}}","leaseDurationSeconds":15,"leaseTransitions":0}""");

        var snapshot = LockRecordCodec.Decode(body, 1);

        Assert.Null(snapshot.CorruptionError);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(ticks), snapshot.Record!.RenewTime);
        Assert.Equal(0, snapshot.Record.Epoch);
        Assert.Null(snapshot.Record.Nonce);
    }

    [Theory]
    [InlineData("""{"holderIdentity":null,"renewTime":"2025-06-01T12:00:00Z"}""")]
    [InlineData("""{"holderIdentity":"x","renewTime":"2025-06-01T12:00:00Z","epoch":"one"}""")]
    [InlineData("""{"holderIdentity":"x","renewTime":"2025-06-01T12:00:00Z"} trailing""")]
    [InlineData("null")]
    public void Decode_InvalidRecords_AreCorrupt(string body)
    {
        var snapshot = LockRecordCodec.Decode(Encoding.UTF8.GetBytes(body), 9);

        Assert.True(snapshot.IsCorrupt);
        Assert.Equal(9, snapshot.Generation);
        Assert.Null(snapshot.Record);
    }
}
