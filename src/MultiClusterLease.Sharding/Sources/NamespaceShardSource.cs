using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace MultiClusterLease.Sharding.Sources;

/// <summary>
/// The namespaces a label selector selects, one shard each, kept current by list-then-watch (resuming from the last
/// resourceVersion; a fresh list after 410 Gone or any failure, 1 s later).
/// </summary>
public sealed partial class NamespaceShardSource : IShardSource
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly IKubernetes _client;
    private readonly string _labelSelector;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="NamespaceShardSource"/> class.</summary>
    /// <param name="client">The Kubernetes client.</param>
    /// <param name="labelSelector">The label selector, e.g. <c>shard=true</c>.</param>
    /// <param name="timeProvider">The clock for retry delays.</param>
    /// <param name="logger">The logger.</param>
    public NamespaceShardSource(IKubernetes client, string labelSelector, TimeProvider timeProvider, ILogger<NamespaceShardSource> logger)
    {
        _client = client;
        _labelSelector = labelSelector;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<IReadOnlySet<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<IReadOnlySet<string>>(new UnboundedChannelOptions { SingleReader = true });
        var pump = PumpAsync(channel.Writer, cancellationToken);
        try
        {
            await foreach (var set in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return set;
            }
        }
        finally
        {
            await pump.ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(ChannelWriter<IReadOnlySet<string>> writer, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var list = await _client.CoreV1.ListNamespaceAsync(labelSelector: _labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
                    names = list.Items.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
                    writer.TryWrite(names.ToHashSet(StringComparer.Ordinal));
                    var resourceVersion = list.Metadata.ResourceVersion;
                    var events = _client.CoreV1.WatchListNamespaceAsync(
                        allowWatchBookmarks: true, labelSelector: _labelSelector, resourceVersion: resourceVersion, cancellationToken: cancellationToken);
                    await foreach (var (type, ns) in events.ConfigureAwait(false))
                    {
                        var changed = type switch
                        {
                            WatchEventType.Added or WatchEventType.Modified => names.Add(ns.Metadata.Name),
                            WatchEventType.Deleted => names.Remove(ns.Metadata.Name),
                            _ => false,
                        };
                        if (changed)
                        {
                            writer.TryWrite(names.ToHashSet(StringComparer.Ordinal));
                        }
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    if (e is not HttpOperationException { Response.StatusCode: HttpStatusCode.Gone })
                    {
                        LogWatchFailed(_logger, _labelSelector, e.Message);
                    }

                    await Task.Delay(RetryDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            writer.TryComplete();
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Watching namespaces selected by {Selector} failed, re-listing: {Error}")]
    private static partial void LogWatchFailed(ILogger logger, string selector, string error);
}
