using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using MultiClusterLease.Controller.Observability;

namespace MultiClusterLease.Tests.Observability;

public sealed class PrometheusExporterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Counter_HasHelpType_TotalSuffix_AndOneSeriesPerLabelSet()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        var counter = Factory.Create("Test").CreateCounter<long>("requests", description: "Requests\nby code, with a \\ backslash");
        counter.Add(2, new KeyValuePair<string, object?>("code", "200"));
        counter.Add(3, new KeyValuePair<string, object?>("code", 200));
        counter.Add(1, new KeyValuePair<string, object?>("code", "500"));

        Assert.Equal(
            "# HELP requests_total Requests\\nby code, with a \\\\ backslash\n" +
            "# TYPE requests_total counter\n" +
            "requests_total{code=\"200\"} 5\n" +
            "requests_total{code=\"500\"} 1\n",
            exporter.Collect());
    }

    [Fact]
    public void Histogram_HasCumulativeBuckets_InfBucket_SumAndCount()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        var histogram = Factory.Create("Test").CreateHistogram("latency_seconds", "s", "Latency.", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 1] });
        foreach (var value in new[] { 0.0625, 0.125, 0.5, 2 })
        {
            histogram.Record(value, new KeyValuePair<string, object?>("op", "read"));
        }

        Assert.Equal(
            "# HELP latency_seconds Latency.\n" +
            "# TYPE latency_seconds histogram\n" +
            "latency_seconds_bucket{op=\"read\",le=\"0.125\"} 2\n" +
            "latency_seconds_bucket{op=\"read\",le=\"1\"} 3\n" +
            "latency_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n" +
            "latency_seconds_sum{op=\"read\"} 2.6875\n" +
            "latency_seconds_count{op=\"read\"} 4\n",
            exporter.Collect());
    }

    [Fact]
    public void Histogram_WithoutAdvice_UsesPrometheusDefaultBuckets()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        Factory.Create("Test").CreateHistogram<double>("work_seconds").Record(0.3);
        var buckets = PrometheusText.Find(exporter.Collect(), "work_seconds_bucket").ToList();
        Assert.Equal([.. PrometheusExporter.DefaultBuckets.Select(PrometheusExporter.FormatValue), "+Inf"], buckets.Select(b => b.Labels["le"]));
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], buckets.Select(b => b.Value));
    }

    [Fact]
    public void LabelValues_AreEscaped_LabelNamesSanitizedAndSorted()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        Factory.Create("Test").CreateCounter<int>("odd.name").Add(1, new TagList { { "z", "last" }, { "my.key", "a\"b\\c\nd" }, { "ok", true } });

        var text = exporter.Collect();
        Assert.Contains("odd_name_total{my_key=\"a\\\"b\\\\c\\nd\",ok=\"true\",z=\"last\"} 1\n", text);
        var sample = Assert.Single(PrometheusText.Parse(text));
        Assert.Equal("a\"b\\c\nd", sample.Labels["my_key"]);
    }

    [Fact]
    public void ObservableGauge_ShowsOnlyWhatItReportsAtEachCollection()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        var holder = "a";
        Factory.Create("Test").CreateObservableGauge("leader_status", () => new Measurement<long>(1, new KeyValuePair<string, object?>("holder", holder)));

        Assert.Equal(1, PrometheusText.Value(exporter.Collect(), "leader_status", ("holder", "a")));
        holder = "b";
        var text = exporter.Collect();
        Assert.Null(PrometheusText.Value(text, "leader_status", ("holder", "a")));
        Assert.Equal(1, PrometheusText.Value(text, "leader_status", ("holder", "b")));
        Assert.Contains("# TYPE leader_status gauge\n", text);
    }

    [Fact]
    public void ObservableCounter_ReportsTheTotal_NotASumOfCollections()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        long total = 7;
        Factory.Create("Test").CreateObservableCounter("restarts_total", () => total);

        exporter.Collect();
        total = 9;
        var text = exporter.Collect();
        Assert.Contains("# TYPE restarts_total counter\nrestarts_total 9\n", text);
    }

    [Fact]
    public void UpDownCounterAndGauge_AreGauges()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        var meter = Factory.Create("Test");
        var inFlight = meter.CreateUpDownCounter<int>("in_flight");
        inFlight.Add(3);
        inFlight.Add(-1);
        var temperature = meter.CreateGauge<double>("temperature");
        temperature.Record(20.5);
        temperature.Record(-1.25);

        Assert.Equal(
            "# HELP in_flight in_flight\n# TYPE in_flight gauge\nin_flight 2\n" +
            "# HELP temperature temperature\n# TYPE temperature gauge\ntemperature -1.25\n",
            exporter.Collect());
    }

    [Fact]
    public void OnlyTheChosenMetersOfItsOwnFactory_AreCollected()
    {
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        using var unscoped = new Meter("Test");
        Factory.Create("Test").CreateCounter<long>("mine_total").Add(1);
        Factory.Create("Other").CreateCounter<long>("unlisted_total").Add(1);
        other.GetRequiredService<IMeterFactory>().Create("Test").CreateCounter<long>("foreign_total").Add(1);
        unscoped.CreateCounter<long>("static_total").Add(1);

        Assert.Equal(["mine_total"], PrometheusText.Parse(exporter.Collect()).Select(s => s.Name));
    }

    [Fact]
    public void Families_WithoutSamples_AreLeftOut_AndFamiliesAreSortedByName()
    {
        using var exporter = new PrometheusExporter(Factory, ["Test"]);
        var meter = Factory.Create("Test");
        meter.CreateCounter<long>("zz_total").Add(1);
        meter.CreateCounter<long>("never_total");
        meter.CreateCounter<long>("aa_total").Add(1);

        var text = exporter.Collect();
        Assert.DoesNotContain("never_total", text);
        Assert.True(text.IndexOf("aa_total", StringComparison.Ordinal) < text.IndexOf("zz_total", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.005, "0.005")]
    [InlineData(42.0, "42")]
    [InlineData(1e-7, "1E-07")]
    public void Values_UsePrometheusSyntax(double value, string text) => Assert.Equal(text, PrometheusExporter.FormatValue(value));
}
