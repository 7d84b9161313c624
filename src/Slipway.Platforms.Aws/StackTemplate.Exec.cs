using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// ECS Exec (<c>aws.exec: true</c>): the services allow it, and the tasks run with a role that may open Session
/// Manager's channels (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-required-iam-permissions).
/// The role belongs to the release that names it, so it stays while a serving release uses it.
/// </summary>
public static partial class StackTemplate
{
    private static bool UsesTaskRole(AppManifest app, JsonObject? release) =>
        app.Aws().Exec || release?["Properties"]?["TaskRoleArn"] is not null;

    private static JsonObject TaskRole() => Resource("AWS::IAM::Role", new JsonObject
    {
        ["Path"] = RolePath,
        ["PermissionsBoundary"] = RoleBoundary(),
        ["AssumeRolePolicyDocument"] = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = "ecs-tasks.amazonaws.com" }, ["Action"] = "sts:AssumeRole",
            }),
        },
        ["Policies"] = new JsonArray(new JsonObject
        {
            ["PolicyName"] = "ecs-exec",
            ["PolicyDocument"] = new JsonObject
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new JsonArray(new JsonObject
                {
                    ["Effect"] = "Allow",
                    ["Action"] = new JsonArray("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
                    ["Resource"] = "*", // these actions name no resource
                }),
            },
        }),
    });
}
