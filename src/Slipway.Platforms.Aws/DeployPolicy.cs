using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// The IAM policy a deployer needs (deploy/aws/iam-policy.json, embedded), narrowed to one app: CloudFormation only on
/// its stack, in its region when the manifest names one, and network deletes and rule changes only on what that stack
/// made (the <c>aws:cloudformation:stack-name</c> tag CloudFormation puts on it). Roles, repositories, parameters and
/// the state table are already limited by path and name whatever the stack is called.
/// </summary>
public static class DeployPolicy
{
    public const string AnySlipwayStack = "arn:aws:cloudformation:*:*:stack/slipway-*/*";
    public const string StackNameTag = "aws:ResourceTag/aws:cloudformation:stack-name";

    public static string Published()
    {
        using var stream = typeof(DeployPolicy).Assembly.GetManifestResourceStream("Slipway.iam-policy.json")
            ?? throw new InvalidOperationException("the deploy policy is not embedded in this build");
        return new StreamReader(stream).ReadToEnd();
    }

    public static string For(AppManifest app)
    {
        var policy = JsonNode.Parse(Published())!;
        var stack = $"arn:aws:cloudformation:{app.Aws().Region ?? "*"}:*:stack/{StackTemplate.StackName(app)}/*";
        foreach (var statement in policy["Statement"]!.AsArray())
        {
            if (statement!["Resource"] is JsonValue resource && resource.GetValue<string>() == AnySlipwayStack) statement["Resource"] = stack;
            // The cluster is named after the stack: its tasks and one-off task definitions too.
            foreach (var ecs in Resources(statement).Where(r => r.GetValue<string>().StartsWith("arn:aws:ecs:", StringComparison.Ordinal)).ToList())
                ecs.ReplaceWith(ecs.GetValue<string>().Replace("slipway-*", StackTemplate.StackName(app), StringComparison.Ordinal));
            if (statement["Condition"]?["StringLike"] is JsonObject like && like.ContainsKey(StackNameTag))
                like[StackNameTag] = StackTemplate.StackName(app);
        }
        var text = policy.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        // Outside AWS's main partition (China, GovCloud) every ARN names that partition.
        var partition = app.Aws().Region is { } region ? Amazon.RegionEndpoint.GetBySystemName(region).PartitionName ?? "aws" : "aws";
        return partition == "aws" ? text : text.Replace("\"arn:aws:", $"\"arn:{partition}:", StringComparison.Ordinal);
    }

    private static IEnumerable<JsonValue> Resources(JsonNode statement) => statement["Resource"] switch
    {
        JsonValue one => [one],
        JsonArray many => many.OfType<JsonValue>(),
        _ => [],
    };
}
