using System.Diagnostics;
using Slipway.Foundation.Redaction;
using Slipway.Foundation.Timing;

namespace Slipway.Foundation.Output;

/// <summary>
/// Progress for humans on stderr: one line when a stage starts, its details indented, one line with the
/// outcome and duration when it ends. Colour only on a terminal and never with NO_COLOR. Results for
/// machines go to stdout, separately.
/// </summary>
public sealed class Reporter(TextWriter output, bool color, Redactor? redactor = null)
{
    private readonly Redactor _redactor = redactor ?? new Redactor();
    private readonly List<Action<string>> _stageListeners = [];
    private int _linesWritten;

    /// <summary>Tells <paramref name="listener"/> the name of each stage as it starts, until the subscription is disposed.</summary>
    public IDisposable OnStage(Action<string> listener)
    {
        lock (_stageListeners) _stageListeners.Add(listener);
        return new Subscription(() => { lock (_stageListeners) _stageListeners.Remove(listener); });
    }

    private sealed class Subscription(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    public static Reporter ForConsole(Redactor redactor) => new(Console.Error,
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null
        && Environment.GetEnvironmentVariable("TERM") is not "dumb", redactor);

    private string Paint(string text, string code) => color ? $"\e[{code}m{text}\e[0m" : text;

    public void Header(string text) => output.WriteLine(Paint(_redactor.Redact(text), "1"));

    public void Line(string text)
    {
        Interlocked.Increment(ref _linesWritten);
        output.WriteLine(_redactor.Redact(text));
    }

    public async Task<T> StageAsync<T>(string stage, Func<IStageLog, Task<StageOutcome<T>>> work)
    {
        Line($"{Paint("→", "36")} {stage}");
        Action<string>[] listeners;
        lock (_stageListeners) listeners = [.. _stageListeners];
        foreach (var listener in listeners) listener(stage);
        var linesAtStart = _linesWritten;
        var clock = Stopwatch.StartNew();
        try
        {
            var outcome = await work(new StageLog(this));
            var mark = outcome.Skipped ? Paint("–", "33") : Paint("✓", "32");
            EndStage(linesAtStart, $"{mark} {stage,-15} {outcome.Summary} {Paint($"({Duration.Format(clock.Elapsed)})", "2")}");
            return outcome.Value;
        }
        catch (Exception)
        {
            EndStage(linesAtStart, $"{Paint("✗", "31")} {stage,-15} failed {Paint($"({Duration.Format(clock.Elapsed)})", "2")}");
            throw;
        }
    }

    /// <summary>On a terminal, a stage that printed nothing in between replaces its start line with its outcome.</summary>
    private void EndStage(int linesAtStart, string text)
    {
        if (color && _linesWritten == linesAtStart) output.Write("\e[1A\e[2K");
        Line(text);
    }

    public void Error(string message, string hint)
    {
        output.WriteLine($"{Paint("error:", "31;1")} {Printable(_redactor.Redact(message))}");
        output.WriteLine($"{Paint("hint:", "33")} {Printable(_redactor.Redact(hint))}");
    }

    /// <summary>
    /// An error quotes what it was given (a manifest's key, a file name), which may hold control characters: shown escaped, so
    /// an error stays one line and cannot retitle or clear the terminal.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(IsControl)) return text;
        var shown = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text) shown.Append(IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString());
        return shown.ToString();
    }

    private static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    private sealed class StageLog(Reporter reporter) : IStageLog
    {
        public void Info(string message) => reporter.Line(reporter.Paint($"    {message}", "2"));
        public void Warn(string message) => reporter.Line($"    {reporter.Paint("warning:", "33")} {message}");
    }
}

/// <summary>What a stage produced, with the one-line summary shown for it.</summary>
public sealed record StageOutcome<T>(T Value, string Summary, bool Skipped = false);

public static class StageOutcome
{
    public static StageOutcome<T> Done<T>(T value, string summary) => new(value, summary);
    public static StageOutcome<T> Skip<T>(T value, string summary) => new(value, summary, Skipped: true);
}
