using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>How long each phase of a test server's or cluster's start took, for the test's output.</summary>
public sealed class StartPhases
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _phases = [];

    /// <summary>Ends the phase under way, named <paramref name="phase"/>, and starts timing the next.</summary>
    public void Done(string phase)
    {
        _phases.Add($"{phase} {_clock.Elapsed.TotalSeconds:0.0} s");
        _clock.Restart();
    }

    public override string ToString() => string.Join(", ", _phases);
}
