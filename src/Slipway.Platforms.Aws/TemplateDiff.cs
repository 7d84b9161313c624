using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;

namespace Slipway.Platforms.Aws;

/// <summary>
/// What applying a template would change, read from the templates themselves (the deployed one and the one Slipway would
/// apply), resource by resource: as Copilot's <c>deploy --diff</c>, it creates nothing on the cloud, where a change set
/// would leave a REVIEW_IN_PROGRESS stack behind a first create. Whether CloudFormation replaces a modified resource is
/// known only from a change set, so a modification says none.
/// </summary>
public static class TemplateDiff
{
    /// <returns>Null when nothing differs.</returns>
    public static StackPlan? Between(string? deployed, string wanted)
    {
        var before = Resources(deployed);
        var after = Resources(wanted);
        var changes = new List<ResourceChange>();
        foreach (var (id, resource) in after)
        {
            if (!before.TryGetValue(id, out var old)) changes.Add(new ResourceChange("Add", id, TypeOf(resource), null));
            else if (!JsonNode.DeepEquals(old, resource)) changes.Add(new ResourceChange("Modify", id, TypeOf(resource), null));
        }
        changes.AddRange(before.Where(r => !after.ContainsKey(r.Key)).Select(r => new ResourceChange("Remove", r.Key, TypeOf(r.Value), null)));
        var outputsDiffer = deployed is not null && !JsonNode.DeepEquals(JsonNode.Parse(deployed)?["Outputs"], JsonNode.Parse(wanted)?["Outputs"]);
        return changes.Count == 0 && !outputsDiffer ? null : new StackPlan(deployed is null, changes);
    }

    private static Dictionary<string, JsonNode?> Resources(string? template) =>
        template is null ? [] : (JsonNode.Parse(template)?["Resources"]?.AsObject() ?? []).ToDictionary(r => r.Key, r => r.Value);

    private static string TypeOf(JsonNode? resource) => (string?)resource?["Type"] ?? "?";
}
