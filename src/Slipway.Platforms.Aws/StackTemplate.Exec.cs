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
        app.Aws().Exec || app.Volumes.Count > 0 || release?["Properties"]?["TaskRoleArn"] is not null;

    /// <summary>
    /// Whether tasks may open Session Manager's channels: exec asked for, or a serving release made with it (one with a task role
    /// and no volumes: a release's only other reason for a task role), so an infrastructure change never takes exec from it.
    /// </summary>
    private static bool AllowsExec(AppManifest app, JsonObject? release) =>
        app.Aws().Exec || (release?["Properties"]?["TaskRoleArn"] is not null && release["Properties"]?["Volumes"] is null);

    /// <summary>The role the tasks run with: Session Manager's channels for ECS Exec, and the volumes' file system (<see cref="FileSystemClientPolicy"/>).</summary>
    private static JsonObject TaskRole(AppManifest app, JsonObject? release)
    {
        var role = ExecTaskRole();
        var policies = role["Properties"]!["Policies"]!.AsArray();
        if (!AllowsExec(app, release)) policies.Clear();
        if (VolumesOf(app, release).Count > 0) policies.Add((JsonNode)FileSystemClientPolicy(app));
        return role;
    }

    private static JsonObject ExecTaskRole() => Resource("AWS::IAM::Role", new JsonObject
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
