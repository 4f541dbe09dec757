namespace MultiClusterLease.Kubernetes.Tests.TestSupport;

/// <summary>Waits for a condition with a bounded timeout (no fixed sleeps).</summary>
public static class TestWait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached in time");
            }

            await Task.Delay(5);
        }
    }
}
