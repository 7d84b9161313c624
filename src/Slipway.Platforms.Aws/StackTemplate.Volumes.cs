using System.Globalization;
using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// The app's <c>volumes:</c> on EFS. The file system lives in a stack of its own (<see cref="DataStackName"/>, <see cref="DataTemplate"/>),
/// so that <c>destroy</c> deletes the app's stack and keeps its data, and the next <c>up</c> finds it again by name; the app's stack
/// takes its ID as a parameter (<see cref="FileSystemParameter"/>, given from the data stack's output at each change set) and adds what reaches it: a mount target in each task subnet behind a security group open to the tasks only on
/// NFS, an access point per volume (its own directory), and in the task definition an encrypted, IAM-authorised mount of each.
/// </summary>
public static partial class StackTemplate
{
    public const int NfsPort = 2049;

    public static string DataStackName(AppManifest app) => DataStackOf(StackName(app));

    /// <summary>The data stack of the app's stack <paramref name="stackName"/>.</summary>
    public static string DataStackOf(string stackName) => $"{stackName}-data";

    /// <summary>The app's stack's parameter (and the data stack's output) holding the file system's ID.</summary>
    public const string FileSystemParameter = "FileSystemId";

    private static JsonObject FileSystem() => Ref(FileSystemParameter);

    /// <summary>
    /// The template's parameters, each given by Slipway at every change set: the volumes' file system's ID, and the webhook jobs'
    /// failures are posted to; none for an app with neither (existing stacks stay unchanged).
    /// </summary>
    private static JsonObject? Parameters(AppManifest app, JsonObject? release)
    {
        var parameters = new JsonObject();
        if (VolumesOf(app, release).Count > 0)
            parameters[FileSystemParameter] = new JsonObject
            {
                ["Type"] = "String",
                ["Description"] = $"The EFS file system of stack {DataStackName(app)} (given by Slipway from its output)",
                ["AllowedPattern"] = "^fs-[0-9a-f]+$",
            };
        if (NotifiesJobFailures(app, release))
            parameters[NotifyWebhookParameter] = new JsonObject
            {
                ["Type"] = "String", ["NoEcho"] = true,
                ["Description"] = "The notify: webhook a job's failure is posted to (given by Slipway from the manifest or its variable)",
                ["AllowedPattern"] = "^https://.+",
            };
        return parameters.Count == 0 ? null : parameters;
    }

    /// <summary>
    /// The data stack: one encrypted EFS file system (elastic throughput, AWS Backup's daily backups on), deleted only with the
    /// stack, which only <c>destroy --volumes</c> deletes.
    /// </summary>
    public static string DataTemplate(AppManifest app) => new JsonObject
    {
        ["AWSTemplateFormatVersion"] = "2010-09-09",
        ["Description"] = $"Slipway: {app.App}'s volumes (generated; do not edit). Deleted only by slipway destroy --volumes",
        ["Resources"] = new JsonObject
        {
            ["FileSystem"] = WithDeletionPolicy(Resource("AWS::EFS::FileSystem", new JsonObject
            {
                ["Encrypted"] = true,
                ["PerformanceMode"] = "generalPurpose",
                ["ThroughputMode"] = "elastic",
                ["BackupPolicy"] = new JsonObject { ["Status"] = "ENABLED" },
                ["FileSystemTags"] = NameTag(app, "data"),
            }), "Delete"),
        },
        ["Outputs"] = new JsonObject
        {
            [FileSystemParameter] = new JsonObject { ["Value"] = Ref("FileSystem") },
        },
    }.ToJsonString();

    /// <summary>
    /// The volumes the stack must reach: the manifest's, and the serving release's (kept until a release without them replaces
    /// it, so that an infrastructure change never takes a mount from a release that serves).
    /// </summary>
    private static IReadOnlyList<string> VolumesOf(AppManifest app, JsonObject? release) =>
        app.Volumes.Select(v => v.Name)
            .Concat(release?["Properties"]?["Volumes"]?.AsArray().Select(v => (string?)v?["Name"]).OfType<string>() ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static string AccessPointId(string volume) =>
        "Volume" + string.Concat(volume.Split('-', '_').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "AccessPoint";

    private static IEnumerable<string> MountTargetIds(AppManifest app) =>
        Enumerable.Range(1, TaskSubnets(app).Count).Select(i => $"FileSystemMountTarget{i}");

    private static IEnumerable<(string, JsonObject)> Volumes(AppManifest app, JsonObject? release)
    {
        var volumes = VolumesOf(app, release);
        if (volumes.Count == 0) yield break;
        yield return ("FileSystemSecurityGroup", Resource("AWS::EC2::SecurityGroup", new JsonObject
        {
            ["GroupDescription"] = $"{app.App}: the file system of its volumes, reachable only from the tasks on NFS",
            ["VpcId"] = Vpc(app),
            ["SecurityGroupIngress"] = new JsonArray(new JsonObject
            {
                ["IpProtocol"] = "tcp", ["FromPort"] = NfsPort, ["ToPort"] = NfsPort, ["SourceSecurityGroupId"] = Ref("TaskSecurityGroup"),
            }),
        }));
        var subnets = TaskSubnets(app);
        foreach (var (id, i) in MountTargetIds(app).Select((id, i) => (id, i)))
            yield return (id, Resource("AWS::EFS::MountTarget", new JsonObject
            {
                ["FileSystemId"] = FileSystem(),
                ["SubnetId"] = subnets[i]!.DeepClone(),
                ["SecurityGroups"] = new JsonArray(Ref("FileSystemSecurityGroup")),
            }));
        var owner = NumericUser(app.User);
        foreach (var volume in volumes)
        {
            var properties = new JsonObject
            {
                ["FileSystemId"] = FileSystem(),
                // Created on first mount, owned by the app's user when the manifest names it by number; else open to whichever user
                // the image runs as (only this app's tasks can mount the file system at all).
                ["RootDirectory"] = new JsonObject
                {
                    ["Path"] = $"/{volume}",
                    ["CreationInfo"] = new JsonObject
                    {
                        ["OwnerUid"] = owner?.Uid ?? "0", ["OwnerGid"] = owner?.Gid ?? "0", ["Permissions"] = owner is null ? "0777" : "0755",
                    },
                },
                ["AccessPointTags"] = NameTag(app, $"volume-{volume}"),
            };
            if (owner is { } user) properties["PosixUser"] = new JsonObject { ["Uid"] = user.Uid, ["Gid"] = user.Gid };
            yield return (AccessPointId(volume), Resource("AWS::EFS::AccessPoint", properties));
        }
    }

    /// <summary><c>user: 1000</c> or <c>1000:1000</c>: the IDs an access point gives every file operation; null for a name or none.</summary>
    private static (string Uid, string Gid)? NumericUser(string? user)
    {
        if (user is null) return null;
        var parts = user.Split(':');
        if (!uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)) return null;
        var gid = parts.Length > 1 && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? parts[1] : parts[0];
        return (parts[0], gid);
    }

    /// <summary>The task definition's EFS volumes (encrypted in transit, through the volume's access point, authorised by the task role) and the container's mounts.</summary>
    private static void AddVolumes(AppManifest app, JsonObject taskDefinition, JsonObject container)
    {
        if (app.Volumes.Count == 0) return;
        taskDefinition["Volumes"] = new JsonArray(app.Volumes.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => (JsonNode)new JsonObject
        {
            ["Name"] = v.Name,
            ["EFSVolumeConfiguration"] = new JsonObject
            {
                ["FilesystemId"] = FileSystem(),
                ["TransitEncryption"] = "ENABLED",
                ["AuthorizationConfig"] = new JsonObject { ["AccessPointId"] = Ref(AccessPointId(v.Name)), ["IAM"] = "ENABLED" },
            },
        }).ToArray());
        container["MountPoints"] = new JsonArray(app.Volumes.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => (JsonNode)new JsonObject
        {
            ["SourceVolume"] = v.Name, ["ContainerPath"] = v.Path, ["ReadOnly"] = false,
        }).ToArray());
    }

    /// <summary>What the task role may do on the file system: mount and write through a mount target, nothing else.</summary>
    private static JsonObject FileSystemClientPolicy(AppManifest app) => new()
    {
        ["PolicyName"] = "efs-client",
        ["PolicyDocument"] = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"),
                ["Resource"] = new JsonObject
                {
                    ["Fn::Sub"] = "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:file-system/${" + FileSystemParameter + "}",
                },
                ["Condition"] = new JsonObject
                {
                    ["Bool"] = new JsonObject { ["elasticfilesystem:AccessedViaMountTarget"] = "true" },
                },
            }),
        },
    };
}
