using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Maintenance on aws: a listener rule ahead of every other that answers each request with 503 and the page
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_FixedResponseActionConfig.html: a body
/// of at most 1,024 characters, no header of one's own, so no Retry-After). It is the stack's own state: carried
/// over whole by every later template, like the release, until <c>maintenance off</c> leaves it out.
/// </summary>
public static partial class StackTemplate
{
    /// <summary>The longest page a load balancer's fixed response can carry.</summary>
    public const int LargestMaintenancePage = 1024;

    public static JsonObject MaintenanceRule(MaintenancePage page) => Resource("AWS::ElasticLoadBalancingV2::ListenerRule", new JsonObject
    {
        ["Priority"] = 1,
        ["Conditions"] = new JsonArray(new JsonObject
        {
            ["Field"] = "path-pattern", ["PathPatternConfig"] = new JsonObject { ["Values"] = new JsonArray("/*") },
        }),
        ["Actions"] = new JsonArray(new JsonObject
        {
            ["Type"] = "fixed-response",
            ["FixedResponseConfig"] = new JsonObject
            {
                ["StatusCode"] = "503", ["ContentType"] = page.IsHtml ? "text/html" : "text/plain", ["MessageBody"] = page.Body,
            },
        }),
    });

    /// <summary>The maintenance rule of a deployed template (as GetTemplate returns it); null when the app serves.</summary>
    public static JsonObject? MaintenanceIn(string templateBody) =>
        JsonNode.Parse(templateBody)?["Resources"]?["MaintenanceRule"] is JsonObject rule ? (JsonObject)rule.DeepClone() : null;

    /// <summary>
    /// A deployed template with its maintenance rule set to <paramref name="page"/> (null: removed), and nothing else
    /// changed: maintenance moves no release and applies no pending infrastructure change.
    /// </summary>
    public static string WithMaintenance(string templateBody, MaintenancePage? page)
    {
        var template = JsonNode.Parse(templateBody)!.AsObject();
        var resources = template["Resources"]!.AsObject();
        resources.Remove("MaintenanceRule");
        if (page is not null)
        {
            var rule = MaintenanceRule(page);
            rule["Properties"]!["ListenerArn"] = Ref(resources.ContainsKey("HttpsListener") ? "HttpsListener" : "HttpListener");
            resources["MaintenanceRule"] = rule;
        }
        return template.ToJsonString();
    }

    /// <summary>The rule on the listener that serves the app now (HTTPS when there is a certificate), whatever it was on before.</summary>
    private static JsonObject OnServingListener(AppManifest app, JsonObject rule)
    {
        var placed = (JsonObject)rule.DeepClone();
        placed["Properties"]!["ListenerArn"] = Ref(app.Aws().CertificateArn is null ? "HttpListener" : "HttpsListener");
        return placed;
    }
}
