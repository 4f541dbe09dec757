using System.Diagnostics;
using Spectre.Console;

namespace MultiClusterLease.Benchmarks.Infrastructure;

/// <summary>Progress lines, time-stamped from the start of the run.</summary>
internal static class Say
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Line(string text)
        => AnsiConsole.MarkupLine($"[grey]{Clock.Elapsed:mm\\:ss}[/] {Markup.Escape(text)}");

    public static void Heading(string text)
        => AnsiConsole.MarkupLine($"[grey]{Clock.Elapsed:mm\\:ss}[/] [bold]{Markup.Escape(text)}[/]");

    public static void Warn(string text)
        => AnsiConsole.MarkupLine($"[grey]{Clock.Elapsed:mm\\:ss}[/] [yellow]{Markup.Escape(text)}[/]");
}
