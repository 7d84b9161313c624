using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Slipway.Tests.Support;

/// <summary>One request as IAM judges it: the action, the resource's ARN, and the condition keys it carries.</summary>
public sealed record IamRequest(string Action, string Resource, IReadOnlyDictionary<string, string>? Context = null);

public enum IamDecision { Allowed, ImplicitDeny, ExplicitDeny }

/// <summary>
/// An identity policy evaluated as IAM's documented logic does for one policy: an explicit Deny wins, then any Allow,
/// else the request is implicitly denied. Actions match case-insensitively with <c>*</c> and <c>?</c>, resources
/// case-sensitively; Action/NotAction, Resource/NotResource and the condition operators the policy uses are
/// understood, and any other operator is refused rather than guessed
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
/// </summary>
public sealed class IamPolicy(JsonArray statements)
{
    public static IamPolicy Load(string path) => Parse(File.ReadAllText(path));

    public static IamPolicy Parse(string json) => new(JsonNode.Parse(json)!["Statement"]!.AsArray());

    private static IReadOnlyList<string> Values(JsonNode? node) =>
        node switch { null => [], JsonArray many => many.Select(v => (string)v!).ToList(), _ => [(string)node!] };

    private static bool Like(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            ignoreCase ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.CultureInvariant);

    /// <param name="conditionsHold">
    /// For "could this action ever be allowed": every condition of an Allow counts as met, and a Deny with conditions as not
    /// applying (there is a request it does not deny).
    /// </param>
    public IamDecision Evaluate(IamRequest request, bool conditionsHold = false)
    {
        var allowed = false;
        foreach (var statement in statements.Select(s => s!.AsObject()))
        {
            var deny = (string?)statement["Effect"] == "Deny";
            if (deny && conditionsHold && statement["Condition"] is JsonObject) continue;
            if (!Applies(statement, request, conditionsHold)) continue;
            if (deny) return IamDecision.ExplicitDeny;
            allowed = true;
        }
        return allowed ? IamDecision.Allowed : IamDecision.ImplicitDeny;
    }

    private static bool Applies(JsonObject statement, IamRequest request, bool conditionsHold)
    {
        var actionMatches = statement["Action"] is { } actions
            ? Values(actions).Any(a => Like(a, request.Action, ignoreCase: true))
            : !Values(statement["NotAction"]).Any(a => Like(a, request.Action, ignoreCase: true));
        var resourceMatches = statement["Resource"] is { } resources
            ? Values(resources).Any(r => Like(r, request.Resource, ignoreCase: false))
            : !Values(statement["NotResource"]).Any(r => Like(r, request.Resource, ignoreCase: false));
        return actionMatches && resourceMatches
               && (conditionsHold || statement["Condition"] is not JsonObject conditions || Holds(conditions, request.Context ?? new Dictionary<string, string>()));
    }

    private static bool Holds(JsonObject conditions, IReadOnlyDictionary<string, string> context) =>
        conditions.All(block => block.Value!.AsObject().All(entry =>
        {
            var present = context.TryGetValue(entry.Key, out var actual);
            var expected = Values(entry.Value);
            return block.Key switch
            {
                "StringEquals" or "ArnEquals" => present && expected.Contains(actual!),
                "StringLike" or "ArnLike" => present && expected.Any(e => Like(e, actual!, ignoreCase: false)),
                "StringNotEquals" => !present || !expected.Contains(actual!),
                "StringNotLike" or "ArnNotLike" => !present || !expected.Any(e => Like(e, actual!, ignoreCase: false)),
                "Null" => expected.Single() == "true" ? !present : present,
                _ => throw new NotSupportedException($"condition operator {block.Key} is not understood by this evaluator"),
            };
        }));
}
