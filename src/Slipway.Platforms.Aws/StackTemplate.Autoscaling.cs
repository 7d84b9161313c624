using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>Target tracking on CPU or requests per target, between the manifest's minimum and maximum.</summary>
public static partial class StackTemplate
{
    private static IEnumerable<(string, JsonObject)> Autoscaling(AppManifest app)
    {
        if (app.Aws().Autoscaling is not { } scaling) yield break;
        yield return ("ScalableTarget", Resource("AWS::ApplicationAutoScaling::ScalableTarget", new JsonObject
        {
            ["ServiceNamespace"] = "ecs", ["ScalableDimension"] = "ecs:service:DesiredCount",
            ["ResourceId"] = new JsonObject { ["Fn::Sub"] = "service/${Cluster}/${Service.Name}" },
            ["MinCapacity"] = scaling.Min, ["MaxCapacity"] = scaling.Max,
        }));
        var tracking = new JsonObject { ["TargetValue"] = scaling.TargetCpuPercent ?? scaling.RequestsPerTarget };
        tracking["PredefinedMetricSpecification"] = scaling.TargetCpuPercent is not null
            ? new JsonObject { ["PredefinedMetricType"] = "ECSServiceAverageCPUUtilization" }
            : new JsonObject
            {
                ["PredefinedMetricType"] = "ALBRequestCountPerTarget",
                ["ResourceLabel"] = new JsonObject { ["Fn::Sub"] = "${LoadBalancer.LoadBalancerFullName}/${TargetGroup.TargetGroupFullName}" },
            };
        yield return ("ScalingPolicy", Resource("AWS::ApplicationAutoScaling::ScalingPolicy", new JsonObject
        {
            ["PolicyName"] = $"{app.App}-target-tracking", ["PolicyType"] = "TargetTrackingScaling",
            ["ScalingTargetId"] = Ref("ScalableTarget"), ["TargetTrackingScalingPolicyConfiguration"] = tracking,
        }));
    }
}
