using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>CloudFormation's own syntax, as JSON: resources, Ref, Fn::GetAtt, outputs, name tags.</summary>
public static partial class StackTemplate
{
    private static JsonObject Resource(string type, JsonObject properties, params string[] dependsOn)
    {
        var resource = new JsonObject { ["Type"] = type, ["Properties"] = properties };
        if (dependsOn.Length == 1) resource["DependsOn"] = dependsOn[0];
        else if (dependsOn.Length > 1) resource["DependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
        return resource;
    }

    private static JsonObject Ref(string name) => new() { ["Ref"] = name };
    private static JsonObject GetAtt(string resource, string attribute) => new() { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };
    private static JsonObject Output(JsonNode value) => new() { ["Value"] = value };
    private static JsonArray NameTag(AppManifest app, string suffix) => new(new JsonObject { ["Key"] = "Name", ["Value"] = $"slipway-{app.App}-{suffix}" });
}
