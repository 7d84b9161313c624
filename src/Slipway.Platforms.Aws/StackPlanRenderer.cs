namespace Slipway.Platforms.Aws;

/// <summary>A change set as lines for people: one per resource, with what happens to it.</summary>
public static class StackPlanRenderer
{
    public static IReadOnlyList<string> Render(string stack, StackPlan? plan)
    {
        if (plan is null) return [$"stack {stack}: no changes"];
        var lines = new List<string> { $"stack {stack}: {(plan.Creates ? "create" : "update")}, {plan.Changes.Count} resource change(s)" };
        lines.AddRange(plan.Changes
            .OrderBy(c => c.Action switch { "Add" => 0, "Modify" => 1, "Remove" => 2, _ => 3 })
            .ThenBy(c => c.LogicalId, StringComparer.Ordinal)
            .Select(c => $"  {Symbol(c.Action)} {c.LogicalId} ({c.ResourceType})"
                         + (c.Replacement is "True" ? " - REPLACED" : c.Replacement is "Conditional" ? " - may be replaced" : "")));
        return lines;
    }

    private static string Symbol(string action) => action switch
    {
        "Add" => "+",
        "Modify" => "~",
        "Remove" => "-",
        _ => "?",
    };
}
