using Slipway.Cloud.Aws;

namespace Slipway.Platforms.Aws;

/// <summary>A drifted resource that Slipway cannot put back by itself, and why.</summary>
public sealed record Unrepairable(ResourceDrift Drift, string Reason);

public sealed record DriftRepairPlan(IReadOnlyList<ResourceDrift> Repairable, IReadOnlyList<Unrepairable> Unrepairable);

/// <summary>
/// Decides how drift can be repaired. Re-applying an unchanged template changes nothing (CloudFormation compares
/// templates, not live resources), so a modified resource is repaired by giving it a new <c>slipway:repair</c> tag
/// value: the update makes CloudFormation send the resource's full desired properties again. That works for
/// resources with tags; the others, and deleted ones, are reported with what to do instead.
/// </summary>
public static class DriftRepair
{
    public const string RepairTag = "slipway:repair";

    public static readonly IReadOnlySet<string> Taggable = new HashSet<string>
    {
        "AWS::EC2::VPC", "AWS::EC2::InternetGateway", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup",
        "AWS::EC2::EIP", "AWS::EC2::NatGateway", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::ECR::Repository", "AWS::Logs::LogGroup", "AWS::IAM::Role",
    };

    public static DriftRepairPlan Plan(IReadOnlyList<ResourceDrift> drifts)
    {
        var repairable = new List<ResourceDrift>();
        var unrepairable = new List<Unrepairable>();
        foreach (var drift in drifts)
        {
            if (drift.Status == "DELETED")
                unrepairable.Add(new(drift, "it was deleted outside CloudFormation, which still believes it exists; run slipway destroy then up to recreate the stack, or recreate it by hand with the expected properties"));
            else if (Taggable.Contains(drift.ResourceType))
                repairable.Add(drift);
            else
                unrepairable.Add(new(drift, $"{drift.ResourceType} has no tags, so an update cannot be forced; set back by hand: "
                    + string.Join(", ", drift.Differences.Select(d => $"{d.Path} to {d.Expected ?? "(absent)"}"))));
        }
        return new DriftRepairPlan(repairable, unrepairable);
    }

    /// <summary>Lines for people: each drifted resource and property, expected against actual.</summary>
    public static IReadOnlyList<string> Render(string stack, IReadOnlyList<ResourceDrift> drifts)
    {
        if (drifts.Count == 0) return [$"stack {stack}: in sync with its template"];
        var lines = new List<string> { $"stack {stack}: {drifts.Count} resource(s) drifted" };
        foreach (var drift in drifts.OrderBy(d => d.LogicalId, StringComparer.Ordinal))
        {
            lines.Add($"  {drift.LogicalId} ({drift.ResourceType}): {drift.Status}");
            lines.AddRange(drift.Differences.Select(d => $"    {d.Path} [{d.Kind}]: expected {d.Expected ?? "(absent)"}, actual {d.Actual ?? "(absent)"}"));
        }
        return lines;
    }
}
