using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace MultiClusterLease.Sandbox.Faults;

/// <summary>
/// Injects faults into a sandbox server's requests and counts them. Install with
/// <c>app.Use(injector.InvokeAsync)</c> before the endpoints. Thread-safe.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly ConcurrentDictionary<HttpContext, (string Caller, string Key)> _inFlight = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly Random _random;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="seed">Seed for probabilistic rules, so a run can be reproduced.</param>
    public FaultInjector(int seed = 0)
    {
        _random = new Random(seed);
    }

    /// <summary>Adds a rule. A partition rule also cuts matching requests and streams already open.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The rule, to pass to <see cref="Remove"/>.</returns>
    public FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }

        if (rule.Action == FaultAction.Partition)
        {
            foreach (var (context, (caller, key)) in _inFlight)
            {
                if (Matches(rule, context.Request, caller, key))
                {
                    context.Abort();
                }
            }
        }

        return rule;
    }

    /// <summary>Removes a rule.</summary>
    /// <param name="rule">The rule.</param>
    public void Remove(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Remove(rule);
        }
    }

    /// <summary>Removes every rule (the faults heal).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Gets the number of requests served so far, by <c>METHOD kind</c> key (see <see cref="Classify"/>), and by caller.</summary>
    /// <returns>A copy of the counters.</returns>
    public IReadOnlyDictionary<string, long> Counts() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>Resets the counters.</summary>
    public void ResetCounts() => _counts.Clear();

    /// <summary>Gets or sets how a request is named in <see cref="Counts"/>; default <c>METHOD path</c>.</summary>
    public Func<HttpRequest, string> Classify { get; set; } = request => $"{request.Method} {request.Path}";

    /// <summary>The middleware.</summary>
    /// <param name="context">The request.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>A task.</returns>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var caller = context.Request.Headers.UserAgent.ToString();
        var key = Classify(context.Request);
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        _counts.AddOrUpdate($"caller:{caller}|{key}", 1, (_, n) => n + 1);

        var rule = Match(context.Request, caller, key);
        _inFlight[context] = (caller, key);
        try
        {
            switch (rule?.Action)
            {
                case null:
                    await next();
                    return;
                case FaultAction.Delay:
                    await Task.Delay(rule.Latency, context.RequestAborted);
                    await next();
                    return;
                case FaultAction.Error:
                    context.Response.StatusCode = rule.StatusCode;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(
                        $$$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected fault","reason":"{{{ReasonFor(rule.StatusCode)}}}","code":{{{rule.StatusCode}}},"error":{"code":{{{rule.StatusCode}}},"message":"injected fault"}}""",
                        context.RequestAborted);
                    return;
                case FaultAction.DropResponse:
                    var original = context.Response.Body;
                    context.Response.Body = Stream.Null;
                    try
                    {
                        await next();
                    }
                    finally
                    {
                        context.Response.Body = original;
                        context.Abort();
                    }

                    return;
                case FaultAction.Partition:
                    try
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    context.Abort();
                    return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            _inFlight.TryRemove(context, out _);
        }
    }

    private FaultRule? Match(HttpRequest request, string caller, string key)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (!Matches(rule, request, caller, key))
                {
                    continue;
                }

                if (rule.RemainingCount is <= 0)
                {
                    continue;
                }

                if (rule.Probability < 1.0 && _random.NextDouble() >= rule.Probability)
                {
                    continue;
                }

                if (rule.RemainingCount is { } left)
                {
                    rule.RemainingCount = left - 1;
                }

                return rule;
            }
        }

        return null;
    }

    private static bool Matches(FaultRule rule, HttpRequest request, string caller, string key)
    {
        if (rule.Kind is not null && !key.StartsWith(rule.Kind + " ", StringComparison.Ordinal))
        {
            return false;
        }

        if (rule.Caller is not null && !caller.Contains(rule.Caller, StringComparison.Ordinal))
        {
            return false;
        }

        if (rule.Method is not null && !string.Equals(rule.Method, request.Method, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var pathAndQuery = request.Path + request.QueryString;
        if (rule.PathContains is not null && !pathAndQuery.Contains(rule.PathContains, StringComparison.Ordinal))
        {
            return false;
        }

        if (rule.ExcludeWatches && request.Query["watch"] == "true")
        {
            return false;
        }

        return true;
    }

    private static string ReasonFor(int status) => status switch
    {
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}
