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
    /// <summary>What EFS resources are known by: CloudFormation puts no stack tag on them, and Slipway names them slipway-APP-....</summary>
    public const string NameTag = "aws:ResourceTag/Name";

    public static string Published()
    {
        using var stream = typeof(DeployPolicy).Assembly.GetManifestResourceStream("Slipway.iam-policy.json")
            ?? throw new InvalidOperationException("the deploy policy is not embedded in this build");
        return new StreamReader(stream).ReadToEnd();
    }

    public static string For(AppManifest app)
    {
        var policy = JsonNode.Parse(Published())!;
        var stackName = StackTemplate.StackName(app);
        var stack = $"arn:aws:cloudformation:{app.Aws().Region ?? "*"}:*:stack/{stackName}/*";
        var dataStack = $"arn:aws:cloudformation:{app.Aws().Region ?? "*"}:*:stack/{StackTemplate.DataStackName(app)}/*";
        // Every app's resources by name (Slipway names them after the app) become this app's.
        (string Every, string[] This)[] byName =
        [
            ("repository/slipway/*", [$"repository/{StackTemplate.RepositoryName(app)}"]),
            ("parameter/slipway/*", [$"parameter/slipway/{app.App}/*"]),
            ("log-group:/slipway/*", [$"log-group:{StackTemplate.LogGroupName(app)}", $"log-group:{StackTemplate.LogGroupName(app)}:*"]),
            ("alarm:TargetTracking-service/slipway-*", [$"alarm:TargetTracking-service/{StackTemplate.ClusterName(app)}/*"]),
        ];
        foreach (var statement in policy["Statement"]!.AsArray())
        {
            if (statement!["Resource"] is JsonValue resource && resource.GetValue<string>() == AnySlipwayStack) statement["Resource"] = new JsonArray(stack, dataStack);
            // The cluster is named after the stack: its tasks and one-off task definitions too.
            foreach (var ecs in Resources(statement).Where(r => r.GetValue<string>().StartsWith("arn:aws:ecs:", StringComparison.Ordinal)).ToList())
                ReplaceText(ecs, ecs.GetValue<string>().Replace("slipway-*", stackName, StringComparison.Ordinal));
            // The jobs' schedules and what posts their failures are named after the stack: STACK-JOB, STACK-job-failed.
            foreach (var schedule in Resources(statement).Where(r => r.GetValue<string>().StartsWith("arn:aws:scheduler:", StringComparison.Ordinal)
                         || r.GetValue<string>().StartsWith("arn:aws:events:", StringComparison.Ordinal)).ToList())
                ReplaceText(schedule, schedule.GetValue<string>().Replace("slipway-*", $"{stackName}-*", StringComparison.Ordinal));
            if (statement["Condition"]?["StringLike"] is JsonObject like && like.ContainsKey(StackNameTag))
                like[StackNameTag] = stackName;
            if (statement["Condition"]?["StringLike"] is JsonObject named && named.ContainsKey(NameTag))
                named[NameTag] = $"slipway-{app.App}-*";
            var resources = Resources(statement).Select(r => r.GetValue<string>()).ToList();
            if (resources.Any(r => byName.Any(n => r.EndsWith(n.Every, StringComparison.Ordinal))))
                statement["Resource"] = new JsonArray(resources.SelectMany(r => byName.FirstOrDefault(n => r.EndsWith(n.Every, StringComparison.Ordinal)) is { Every: { } every } match
                    ? match.This.Select(one => r[..^every.Length] + one) : [r]).Distinct().Select(r => (JsonNode)JsonValue.Create(r)).ToArray());
        }
        ScopeRecordChanges(policy["Statement"]!.AsArray(), app);
        var text = policy.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        // Outside AWS's main partition (China, GovCloud) every ARN names that partition.
        var partition = app.Aws().Region is { } region ? Amazon.RegionEndpoint.GetBySystemName(region).PartitionName ?? "aws" : "aws";
        return partition == "aws" ? text : text.Replace("\"arn:aws:", $"\"arn:{partition}:", StringComparison.Ordinal);
    }

    /// <summary>
    /// Record changes only in the app's own hosted zone, and none at all for an app without a DNS name. (The published policy,
    /// for every app, cannot name the zones.)
    /// </summary>
    private static void ScopeRecordChanges(JsonArray statements, AppManifest app)
    {
        const string Change = "route53:ChangeResourceRecordSets";
        foreach (var statement in statements.Where(s => s!["Action"] is JsonArray actions && actions.Any(a => (string?)a == Change)).ToList())
        {
            var actions = statement!["Action"]!.AsArray();
            actions.Remove(actions.First(a => (string?)a == Change));
        }
        if (app.Aws().Dns is { } dns)
            statements.Add((JsonNode)new JsonObject
            {
                ["Sid"] = "RecordsOnlyInTheAppsZone", ["Effect"] = "Allow", ["Action"] = Change,
                ["Resource"] = $"arn:aws:route53:::hostedzone/{dns.HostedZoneId}",
            });
    }

    private static IEnumerable<JsonValue> Resources(JsonNode statement) => statement["Resource"] switch
    {
        JsonValue one => [one],
        JsonArray many => many.OfType<JsonValue>(),
        _ => [],
    };

    /// <summary>Puts <paramref name="text"/> where <paramref name="value"/> is, in its array or object.</summary>
    private static void ReplaceText(JsonValue value, string text)
    {
        switch (value.Parent)
        {
            case JsonArray array: array[array.IndexOf(value)] = JsonValue.Create(text); break;
            case JsonObject parent: parent[value.GetPropertyName()] = JsonValue.Create(text); break;
        }
    }
}
