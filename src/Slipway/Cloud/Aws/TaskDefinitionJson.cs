using System.Text.Json.Nodes;

namespace Slipway.Cloud.Aws;

/// <summary>Reading and editing a task definition's JSON (API spelling): its containers and their environment.</summary>
public static class TaskDefinitionJson
{
    public static JsonObject? Container(JsonObject definition, string name) =>
        definition["containerDefinitions"]?.AsArray().FirstOrDefault(c => c?["name"]?.GetValue<string>() == name)?.AsObject();

    public static string? Environment(JsonObject container, string name) =>
        container["environment"]?.AsArray().FirstOrDefault(e => e?["name"]?.GetValue<string>() == name)?["value"]?.GetValue<string>();

    /// <summary>Sets a variable in place (keeping its position), dropping any duplicate; adds it when absent.</summary>
    public static void SetEnvironment(JsonObject container, string name, string value)
    {
        var environment = container["environment"]?.AsArray() ?? [];
        container["environment"] = environment;
        var entries = environment.Where(e => e?["name"]?.GetValue<string>() == name).ToList();
        foreach (var duplicate in entries.Skip(1)) environment.Remove(duplicate);
        if (entries.FirstOrDefault() is { } entry) entry["value"] = value;
        else environment.Add(new JsonObject { ["name"] = name, ["value"] = value });
    }
}
