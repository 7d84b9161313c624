using Slipway.Cloud.Aws;
using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>Drift of the app's stack: detect, optionally repair what re-applying the template can, detect again, report.</summary>
internal static class DriftCheck
{
    public static async Task<DriftReport> RunAsync(AwsPlatform aws, AppManifest app, bool repair, IStageLog log, CancellationToken ct)
    {
        var stack = StackTemplate.StackName(app);
        var drifts = await aws.DetectDriftAsync(app, log, ct);
        log.Info(drifts.Count == 0 ? "in sync" : $"{drifts.Count} resource(s) drifted");
        DriftRepairPlan? plan = null;
        var remaining = drifts;
        if (repair && drifts.Count > 0)
        {
            plan = await aws.RepairDriftAsync(app, drifts, log, ct);
            log.Info($"{plan.Repairable.Count} re-applied, {plan.Unrepairable.Count} need a hand");
            remaining = await aws.DetectDriftAsync(app, new SilentLog(), ct);
        }
        var lines = DriftRepair.Render(stack, remaining)
            .Concat((plan?.Unrepairable ?? DriftRepair.Plan(remaining).Unrepairable)
                .Select(item => $"  cannot repair {item.Drift.LogicalId} automatically: {item.Reason}"))
            .ToList();
        var document = new DriftDocument(stack, drifts, plan?.Repairable.Select(d => d.LogicalId).ToList(), plan?.Unrepairable, remaining);
        return new DriftReport(lines, System.Text.Json.JsonSerializer.SerializeToNode(document, DriftJson.Default.DriftDocument)!, remaining.Count);
    }

    private sealed class SilentLog : IStageLog
    {
        public void Info(string message) { }
        public void Warn(string message) { }
    }
}

/// <summary>A drift check for scripts (<c>slipway drift --json</c>).</summary>
public sealed record DriftDocument(string Stack, IReadOnlyList<ResourceDrift> Drifted, IReadOnlyList<string>? Repaired,
    IReadOnlyList<Unrepairable>? Unrepairable, IReadOnlyList<ResourceDrift> Remaining);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DriftDocument))]
internal sealed partial class DriftJson : System.Text.Json.Serialization.JsonSerializerContext;
