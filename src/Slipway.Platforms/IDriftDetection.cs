using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>A platform whose infrastructure can drift from what was declared (aws: the stack) and be put back.</summary>
public interface IDriftDetection
{
    /// <summary>Detects drift; with <paramref name="repair"/>, re-applies what it can, then detects again.</summary>
    Task<DriftReport> CheckDriftAsync(AppManifest app, bool repair, IStageLog log, CancellationToken ct);
}

/// <param name="Lines">The report for a person, one line each.</param>
/// <param name="Document">The same for scripts (--json).</param>
/// <param name="Remaining">How many resources still differ from the declaration.</param>
public sealed record DriftReport(IReadOnlyList<string> Lines, System.Text.Json.Nodes.JsonNode Document, int Remaining);
