using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Stateless accessories (a cache, a mail catcher: <c>accessories:</c> without volumes) as ECS services of their own, reached by
/// their names through ECS Service Connect: each accessory with a <c>port</c> is a Service Connect service of the stack's
/// namespace whose client alias is its bare name on that port (<c>cache:6379</c>, as locally), and the app's and its workers'
/// services are its clients. They are rendered from the manifest, not from the release, so a deploy leaves them as they are and
/// only a change to their own spec replaces their task (under the circuit breaker, gated on their health check).
/// </summary>
/// <remarks>
/// Service Connect serves the tasks that ECS services start only: one-off tasks (<c>run</c>, the release phase, jobs) do not
/// resolve an accessory's name (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect.html).
/// </remarks>
public static partial class StackTemplate
{
    public static string AccessoryServiceName(AppManifest app, string accessory) => $"{ServiceName(app)}-accessory-{accessory}";

    private static string AccessoryId(string accessory) =>
        "Accessory" + string.Concat(accessory.Split('-', '_').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>The Service Connect namespace's name (ECS takes a namespace by name or ARN; by name, its services need only depend on it).</summary>
    public static string ServiceNamespaceName(AppManifest app) => StackName(app).ToLowerInvariant();

    /// <summary>The namespace the app's services are Service Connect clients of; null without accessories.</summary>
    private static JsonObject? ServiceConnectClient(AppManifest app) => app.Accessories.Count == 0 ? null : new JsonObject
    {
        ["Enabled"] = true, ["Namespace"] = ServiceNamespaceName(app),
    };

    /// <summary>What the app's services wait for: its accessories run first, as they do before a first release locally, in their namespace.</summary>
    private static string[] AccessoryDependencies(AppManifest app) =>
        app.Accessories.Count == 0 ? [] : app.Accessories.Select(a => $"{AccessoryId(a.Name)}Service").Prepend("ServiceNamespace").ToArray();

    private static IEnumerable<(string, JsonObject)> Accessories(AppManifest app)
    {
        if (app.Accessories.Count == 0) yield break;
        yield return ("ServiceNamespace", Resource("AWS::ServiceDiscovery::HttpNamespace", new JsonObject
        {
            ["Name"] = ServiceNamespaceName(app),
            ["Description"] = $"Slipway: the accessories of {app.App}, reached by name by its services",
        }));
        var ports = app.Accessories.Where(a => a.Port is not null).Select(a => a.Port!.Value).Distinct().Order().ToList();
        yield return ("AccessorySecurityGroup", Resource("AWS::EC2::SecurityGroup", new JsonObject
        {
            ["GroupDescription"] = $"{app.App}: accessories, reachable only from the tasks of the app on their ports",
            ["VpcId"] = Vpc(app),
            ["SecurityGroupIngress"] = new JsonArray(ports.Select(port => (JsonNode)new JsonObject
            {
                ["IpProtocol"] = "tcp", ["FromPort"] = port, ["ToPort"] = port, ["SourceSecurityGroupId"] = Ref("TaskSecurityGroup"),
            }).ToArray()),
        }));
        foreach (var accessory in app.Accessories)
        {
            var id = AccessoryId(accessory.Name);
            yield return ($"{id}TaskDefinition", AccessoryTaskDefinition(app, accessory));
            var connect = new JsonObject { ["Enabled"] = true, ["Namespace"] = ServiceNamespaceName(app) };
            if (accessory.Port is { } port)
                connect["Services"] = new JsonArray(new JsonObject
                {
                    ["PortName"] = accessory.Name, ["DiscoveryName"] = accessory.Name,
                    ["ClientAliases"] = new JsonArray(new JsonObject { ["Port"] = port, ["DnsName"] = accessory.Name }),
                });
            var network = TaskNetwork(app);
            network["AwsvpcConfiguration"]!["SecurityGroups"] = new JsonArray(Ref("AccessorySecurityGroup"));
            yield return ($"{id}Service", Resource("AWS::ECS::Service", new JsonObject
            {
                ["Cluster"] = Ref("Cluster"),
                ["ServiceName"] = AccessoryServiceName(app, accessory.Name),
                ["TaskDefinition"] = Ref($"{id}TaskDefinition"),
                ["LaunchType"] = "FARGATE",
                ["DesiredCount"] = 1,
                ["DeploymentConfiguration"] = new JsonObject
                {
                    ["MinimumHealthyPercent"] = 100, ["MaximumPercent"] = 200,
                    ["DeploymentCircuitBreaker"] = new JsonObject { ["Enable"] = true, ["Rollback"] = true },
                },
                ["NetworkConfiguration"] = network,
                ["ServiceConnectConfiguration"] = connect,
            }, [.. NetworkDependencies(app), "ServiceNamespace"]));
        }
    }

    /// <summary>The accessory's image, command, environment and secrets (read from SSM, under the app's path), health check and port.</summary>
    private static JsonObject AccessoryTaskDefinition(AppManifest app, AccessorySpec accessory)
    {
        var container = new JsonObject
        {
            ["Name"] = accessory.Name,
            ["Image"] = accessory.Image,
            ["Essential"] = true,
            ["Environment"] = new JsonArray(accessory.Env.Where(e => !accessory.Secrets.ContainsKey(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => (JsonNode)new JsonObject { ["Name"] = e.Key, ["Value"] = e.Value }).ToArray()),
            ["LogConfiguration"] = LogConfiguration(app),
        };
        if (accessory.Command is { } command) container["Command"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray());
        if (accessory.Port is { } port)
            container["PortMappings"] = new JsonArray(new JsonObject { ["ContainerPort"] = port, ["Protocol"] = "tcp", ["Name"] = accessory.Name });
        if (accessory.Secrets.Count > 0)
            container["Secrets"] = new JsonArray(accessory.Secrets.Keys.Order(StringComparer.Ordinal).Select(name => (JsonNode)new JsonObject
            {
                ["Name"] = name, ["ValueFrom"] = accessory.Secrets[name].FromSsm ?? AccessorySecretParameter(app, accessory.Name, name),
            }).ToArray());
        if (accessory.HealthCheck is { } health)
            container["HealthCheck"] = ContainerHealthCheck(health.Command.Select(c => (JsonNode)JsonValue.Create(c)!),
                interval: Math.Clamp((int)Math.Ceiling(health.Interval.TotalSeconds), 5, 300),
                timeout: Math.Clamp((int)Math.Ceiling(health.Timeout.TotalSeconds), 2, 60),
                startPeriod: Math.Clamp((int)Math.Ceiling(health.StartPeriod.TotalSeconds), 0, 300));
        return Resource("AWS::ECS::TaskDefinition", new JsonObject
        {
            ["Family"] = $"{StackName(app)}-accessory-{accessory.Name}",
            ["Cpu"] = "256",
            ["Memory"] = "512",
            ["NetworkMode"] = "awsvpc",
            ["RequiresCompatibilities"] = new JsonArray("FARGATE"),
            ["RuntimePlatform"] = new JsonObject { ["CpuArchitecture"] = app.Aws().Architecture.EcsName(), ["OperatingSystemFamily"] = "LINUX" },
            ["ExecutionRoleArn"] = GetAtt("ExecutionRole", "Arn"),
            ["ContainerDefinitions"] = new JsonArray(container),
        });
    }

    /// <summary>Where an accessory's secret is kept for ECS to read: under the app's own path, beside the app's.</summary>
    public static string AccessorySecretParameter(AppManifest app, string accessory, string secret) => $"/slipway/{app.App}/accessories/{accessory}/{secret}";
}
