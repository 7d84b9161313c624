using Slipway.Foundation.Output;

namespace Slipway.Tests.Support;

/// <summary>A stage log that keeps its lines (warnings prefixed), for asserting on the progress a step printed.</summary>
public sealed class RecordingLog : IStageLog
{
    public List<string> Lines { get; } = [];
    public void Info(string message) => Lines.Add(message);
    public void Warn(string message) => Lines.Add("warning: " + message);
}
