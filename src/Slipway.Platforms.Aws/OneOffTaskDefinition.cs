using System.Text.Json.Nodes;
using Slipway.Foundation;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Where the stack's resources are, for what runs beside CloudFormation: each resource's physical ID by logical ID,
/// the stack's ARN (its partition, region and account) and the image repository's URI.
/// </summary>
/// <param name="Parameters">The values of the template's parameters: the volumes' file system's ID.</param>
public sealed record StackReferences(IReadOnlyDictionary<string, string> Resources, string StackArn, string RepositoryUri,
    IReadOnlyDictionary<string, string>? Parameters = null)
{
    private string[] ArnParts => StackArn.Split(':');
    public string Partition => ArnParts[1];
    public string Region => ArnParts[3];
    public string Account => ArnParts[4];

    /// <summary>The template's JSON with its Ref, Fn::GetAtt and Fn::Sub resolved to these values; throws on anything else.</summary>
    public JsonNode? Resolve(JsonNode? node) => node switch
    {
        JsonObject { Count: 1 } o when o["Ref"] is JsonValue name => JsonValue.Create(Ref((string)name!)),
        JsonObject { Count: 1 } o when o["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt =>
            JsonValue.Create(GetAtt((string)getAtt[0]!, (string)getAtt[1]!)),
        JsonObject { Count: 1 } o when o["Fn::Sub"] is JsonValue text => JsonValue.Create(Sub((string)text!)),
        JsonObject o => new JsonObject(o.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, Resolve(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Resolve).ToArray()),
        _ => node?.DeepClone(),
    };

    private string Ref(string name) => name switch
    {
        "AWS::Region" => Region,
        "AWS::AccountId" => Account,
        _ when Parameters?.TryGetValue(name, out var value) == true => value!,
        _ => Resources.TryGetValue(name, out var id) ? id
            : throw new SlipwayException(ErrorCode.StackFailed, $"the stack has no resource {name}", "run slipway up -e aws: it converges the stack"),
    };

    private string GetAtt(string resource, string attribute) => (resource, attribute) switch
    {
        // A role's physical ID is its name; its ARN is built as IAM builds every role ARN.
        ("ExecutionRole" or "TaskRole", "Arn") => $"arn:{Partition}:iam::{Account}:role{StackTemplate.RolePath}{Ref(resource)}",
        _ => throw new InvalidOperationException($"Fn::GetAtt {resource}.{attribute} is not resolved outside CloudFormation"),
    };

    private string Sub(string text)
    {
        var resolved = text.Replace("${Repository.RepositoryUri}", RepositoryUri, StringComparison.Ordinal)
            .Replace("${AWS::Region}", Region, StringComparison.Ordinal).Replace("${AWS::AccountId}", Account, StringComparison.Ordinal);
        return resolved.Contains("${", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"Fn::Sub {text} is not resolved outside CloudFormation") : resolved;
    }
}

/// <summary>
/// The task definition of one-off tasks (the release phase, <c>slipway run</c>): the release's own as
/// <see cref="StackTemplate.Release"/> renders it, resolved against the stack and in the ECS API's shape, registered
/// under a family of its own (STACK-run) so that the service's family has one owner, CloudFormation.
/// </summary>
public static class OneOffTaskDefinition
{
    public static string Family(AppManifest app) => $"{StackTemplate.StackName(app)}-run";

    public static JsonObject From(AppManifest app, JsonObject release, StackReferences stack, AwsEndpointProfile profile)
    {
        var definition = (JsonObject)ApiShape(stack.Resolve(release["Properties"]))!;
        definition["family"] = Family(app);
        var container = definition["containerDefinitions"]![0]!.AsObject();
        container.Remove("portMappings"); // no route, and no port to take
        if (profile.NeedsContainerMemory) // a hard limit equal to the task's: what Fargate gives the one container anyway
            container["memory"] = int.Parse(definition["memory"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        return definition;
    }

    /// <summary>The task's network: the service's subnets and security group, in the API's shape.</summary>
    public static JsonObject Network(AppManifest app, StackReferences stack) => (JsonObject)ApiShape(stack.Resolve(StackTemplate.TaskNetwork(app)))!;

    /// <summary>Runs <paramref name="command"/> instead of the image's own in the release's container.</summary>
    public static JsonObject CommandOverride(AppManifest app, IReadOnlyList<string> command) => new()
    {
        ["containerOverrides"] = new JsonArray(new JsonObject
        {
            ["name"] = StackTemplate.ContainerName(app),
            ["command"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
        }),
    };

    /// <summary>CloudFormation spells the task definition's members in PascalCase, the ECS API in camelCase; the values are the same.</summary>
    private static JsonNode? ApiShape(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => new KeyValuePair<string, JsonNode?>(char.ToLowerInvariant(p.Key[0]) + p.Key[1..], ApiShape(p.Value)))),
        JsonArray a => new JsonArray(a.Select(ApiShape).ToArray()),
        _ => node?.DeepClone(),
    };
}
