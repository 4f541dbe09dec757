using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>A <see cref="FakeTimeProvider"/> that records the due time of every timer created (e.g. by <c>Task.Delay</c>).</summary>
public sealed class RecordingTimeProvider : FakeTimeProvider
{
    public RecordingTimeProvider()
        : base(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public ConcurrentQueue<TimeSpan> Timers { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Timers.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
