using MultiClusterLease.Timing;

namespace MultiClusterLease.Kubernetes.Tests.Timing;

public sealed class JitterTests
{
    [Fact]
    public void Add_stays_within_the_period_and_the_factor()
    {
        for (var i = 0; i < 1000; i++)
        {
            var jittered = Jitter.Add(TimeSpan.FromSeconds(2), 0.2);
            Assert.InRange(jittered, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.4));
        }
    }

    [Fact]
    public void Scale_keeps_at_least_the_low_fraction()
    {
        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(Jitter.Scale(TimeSpan.FromSeconds(4), 0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        }
    }

    [Fact]
    public void A_generator_installed_on_a_thread_makes_its_draws_reproducible_and_is_removed_with_its_scope()
    {
        List<TimeSpan> Draw()
        {
            using var scope = Jitter.UseOnThisThread(new Random(42));
            return Enumerable.Range(0, 5).Select(_ => Jitter.Add(TimeSpan.FromSeconds(1), 1)).ToList();
        }

        Assert.Equal(Draw(), Draw());
        var seeded = new Random(42);
        Assert.NotEqual(seeded.NextDouble(), Jitter.NextDouble());
    }
}
