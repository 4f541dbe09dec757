using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MultiClusterLease.Controller.Observability;

/// <summary>
/// Collects the instruments of chosen meters of one <see cref="IMeterFactory"/> with a <see cref="MeterListener"/> and
/// renders them in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
/// <list type="bullet">
/// <item>counters (<see cref="Counter{T}"/>, <see cref="ObservableCounter{T}"/>) as <c>counter</c>, named with a
/// <c>_total</c> suffix;</item>
/// <item>gauges (<see cref="Gauge{T}"/>, <see cref="ObservableGauge{T}"/>) and up-down counters as <c>gauge</c>;</item>
/// <item>histograms as <c>histogram</c>: cumulative <c>_bucket{le="…"}</c> series ending with <c>le="+Inf"</c>, then
/// <c>_sum</c> and <c>_count</c>; the buckets are the instrument's advice, else Prometheus's defaults.</item>
/// </list>
/// Observable instruments are read at each <see cref="Collect"/>, and show only the series they report then. Only meters
/// created by the given factory are collected, so several hosts in one process each export their own.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Prometheus's default histogram buckets, in the instrument's unit.</summary>
    public static readonly IReadOnlyList<double> DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener;
    private readonly Lock _instrumentsGate = new();
    private readonly Lock _collectGate = new();
    private readonly Dictionary<Instrument, InstrumentState> _instruments = [];

    /// <summary>Initializes a new instance and starts listening.</summary>
    /// <param name="meterFactory">Only meters created by this factory are collected.</param>
    /// <param name="meterNames">The names of the meters to collect.</param>
    public PrometheusExporter(IMeterFactory meterFactory, IEnumerable<string> meterNames)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var names = meterNames.ToHashSet(StringComparer.Ordinal);
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (!names.Contains(instrument.Meter.Name) || !ReferenceEquals(instrument.Meter.Scope, meterFactory) || InstrumentState.Create(instrument) is not { } state)
                {
                    return;
                }

                lock (_instrumentsGate)
                {
                    _instruments[instrument] = state;
                }

                listener.EnableMeasurementEvents(instrument, state);
            },
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (_instrumentsGate)
                {
                    _instruments.Remove(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders every metric family.</summary>
    /// <returns>The exposition text.</returns>
    public string Collect()
    {
        lock (_collectGate)
        {
            InstrumentState[] states;
            lock (_instrumentsGate)
            {
                states = [.. _instruments.Values];
            }

            foreach (var state in states.Where(s => s.Observable))
            {
                state.Clear();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
#pragma warning disable CA1031 // A failing callback must not take /metrics down: the others are still rendered.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            var text = new StringBuilder();
            foreach (var family in states.GroupBy(s => s.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var series = family.SelectMany(s => s.Snapshot()).OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
                if (series.Count == 0)
                {
                    continue;
                }

                var first = family.First();
                text.Append("# HELP ").Append(family.Key).Append(' ').Append(EscapeHelp(first.Help)).Append('\n');
                text.Append("# TYPE ").Append(family.Key).Append(' ').Append(first.Type).Append('\n');
                foreach (var one in series)
                {
                    if (one.Buckets is { } buckets)
                    {
                        long cumulative = 0;
                        for (var i = 0; i < buckets.Length; i++)
                        {
                            cumulative += buckets[i];
                            var le = i < first.Bounds.Length ? FormatValue(first.Bounds[i]) : "+Inf";
                            Sample(text, family.Key + "_bucket", Join(one.Labels, $"le=\"{le}\""), cumulative.ToString(CultureInfo.InvariantCulture));
                        }

                        Sample(text, family.Key + "_sum", one.Labels, FormatValue(one.Value));
                        Sample(text, family.Key + "_count", one.Labels, one.Count.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        Sample(text, family.Key, one.Labels, FormatValue(one.Value));
                    }
                }
            }

            return text.ToString();
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    /// <summary>Formats a sample value: Go's float syntax, with <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The escaped value.</returns>
    internal static string EscapeLabelValue(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Escapes a HELP text: backslash and line feed.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The escaped text.</returns>
    internal static string EscapeHelp(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Turns any name into a valid metric or label name: invalid characters become <c>_</c>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="allowColon">Whether <c>:</c> is allowed (metric names) or not (label names).</param>
    /// <returns>The sanitized name.</returns>
    internal static string SanitizeName(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static void Sample(StringBuilder text, string name, string labels, string value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

    private enum Kind
    {
        /// <summary>A counter fed with increments.</summary>
        Counter,

        /// <summary>A counter whose observations are the running total.</summary>
        ObservedCounter,

        /// <summary>A gauge fed with increments (up-down counter).</summary>
        AddedGauge,

        /// <summary>A gauge whose measurements are the current value.</summary>
        Gauge,

        /// <summary>A histogram.</summary>
        Histogram,
    }

    private sealed record SeriesSnapshot(string Labels, double Value, long Count, long[]? Buckets);

    /// <summary>The aggregated series of one instrument.</summary>
    private sealed class InstrumentState
    {
        private readonly Lock _gate = new();
        private readonly Kind _kind;
        private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);

        private InstrumentState(Instrument instrument, Kind kind, double[] bounds)
        {
            _kind = kind;
            Bounds = bounds;
            var name = SanitizeName(instrument.Name, allowColon: true);
            Name = kind is Kind.Counter or Kind.ObservedCounter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
            Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
            Observable = instrument.IsObservable;
        }

        public string Name { get; }

        public string Help { get; }

        public string Type => _kind switch
        {
            Kind.Counter or Kind.ObservedCounter => "counter",
            Kind.Histogram => "histogram",
            _ => "gauge",
        };

        public bool Observable { get; }

        public double[] Bounds { get; }

        public static InstrumentState? Create(Instrument instrument)
        {
            var type = instrument.GetType();
            var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
            Kind? kind = definition switch
            {
                _ when definition == typeof(Counter<>) => Kind.Counter,
                _ when definition == typeof(ObservableCounter<>) => Kind.ObservedCounter,
                _ when definition == typeof(UpDownCounter<>) => Kind.AddedGauge,
                _ when definition == typeof(ObservableUpDownCounter<>) => Kind.Gauge,
                _ when definition == typeof(Gauge<>) => Kind.Gauge,
                _ when definition == typeof(ObservableGauge<>) => Kind.Gauge,
                _ when definition == typeof(Histogram<>) => Kind.Histogram,
                _ => null,
            };
            if (kind is null)
            {
                return null;
            }

            var bounds = kind == Kind.Histogram ? HistogramBounds(instrument) : [];
            return new InstrumentState(instrument, kind.Value, bounds);
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            lock (_gate)
            {
                if (!_series.TryGetValue(labels, out var series))
                {
                    series = new Series(_kind == Kind.Histogram ? new long[Bounds.Length + 1] : null);
                    _series[labels] = series;
                }

                switch (_kind)
                {
                    case Kind.Counter or Kind.AddedGauge:
                        series.Value += value;
                        break;
                    case Kind.Histogram:
                        var bucket = 0;
                        while (bucket < Bounds.Length && value > Bounds[bucket])
                        {
                            bucket++;
                        }

                        series.Buckets![bucket]++;
                        series.Value += value;
                        series.Count++;
                        break;
                    default:
                        series.Value = value;
                        break;
                }
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _series.Clear();
            }
        }

        public List<SeriesSnapshot> Snapshot()
        {
            lock (_gate)
            {
                return _series.Select(s => new SeriesSnapshot(s.Key, s.Value.Value, s.Value.Count, s.Value.Buckets?.ToArray())).ToList();
            }
        }

        private static double[] HistogramBounds(Instrument instrument)
        {
            IEnumerable<double>? advised = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
                Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                _ => null,
            };
            return (advised ?? DefaultBuckets).Distinct().Order().ToArray();
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                return "";
            }

            var pairs = new List<(string Name, string Value)>(tags.Length);
            foreach (var tag in tags)
            {
                var value = tag.Value switch
                {
                    null => "",
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var other => other.ToString() ?? "",
                };
                pairs.Add((SanitizeName(tag.Key, allowColon: false), value));
            }

            pairs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return string.Join(',', pairs.Select(p => $"{p.Name}=\"{EscapeLabelValue(p.Value)}\""));
        }

        private sealed class Series(long[]? buckets)
        {
            public double Value { get; set; }

            public long Count { get; set; }

            public long[]? Buckets { get; } = buckets;
        }
    }
}
