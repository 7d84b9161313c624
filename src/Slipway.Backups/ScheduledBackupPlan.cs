using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slipway.Backups;

/// <summary>
/// What a scheduled backup takes and where it puts it, written by the CLI at each <c>up</c> into the backup job's template as a
/// root-only file (it may hold a bucket's keys: never a label, a variable or a line of output), and read by the run
/// (<c>slipway-edge backup</c>) with no CLI. Each source is found on the engine by its labels when the run starts.
/// </summary>
/// <param name="Folder">Where in the run's container the folder store is mounted; null: <paramref name="S3"/>.</param>
/// <param name="Owner">The folder's owner (uid, gid) on the engine's machine: the files the run writes are given to it.</param>
/// <param name="ReleaseOf">Labels of the app's replicas, whose <paramref name="ReleaseLabel"/> names the release a backup is of.</param>
public sealed record ScheduledBackupPlan(string App, string Environment, int Keep, IReadOnlyList<ScheduledBackupSource> Sources, string? Folder, S3Access? S3,
    int[]? Owner, IReadOnlyDictionary<string, string> ReleaseOf, string ReleaseLabel)
{
    /// <summary>The file's folder and name in the template (and in each run, a copy of it).</summary>
    public const string FileFolder = "/";
    public const string FileName = ".slipway-backup.json";
    public const string FilePath = FileFolder + FileName;

    /// <summary>Marks the template and runs of the scheduled backup among an app's jobs.</summary>
    public const string Label = "slipway.backup.scheduled";

    public string ToJson() => JsonSerializer.Serialize(this, ScheduledBackupPlanJson.Default.ScheduledBackupPlan);

    public static ScheduledBackupPlan? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ScheduledBackupPlanJson.Default.ScheduledBackupPlan) is { App.Length: > 0, Sources: not null } plan && (plan.Folder is null) != (plan.S3 is null) ? plan : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// One thing a scheduled backup takes: a command's output run inside a container (<see cref="Command"/>, the accessory's
/// <c>backup.command</c>), or a path's files read with the containers using it paused.
/// </summary>
/// <param name="Containers">Labels of the containers holding the data (the accessory's, or the app's replicas).</param>
/// <param name="Mounting">When set, only those of <paramref name="Containers"/> whose label <c>Mounting[0]</c> lists <c>Mounting[1]</c> (the app's volume).</param>
public sealed record ScheduledBackupSource(string Kind, string Name, IReadOnlyDictionary<string, string> Containers, IReadOnlyList<string>? Command, string? Path,
    string[]? Mounting = null)
{
    public BackupTarget Target => new(Kind, Name);
}

/// <summary>The plan's JSON (a file in the job's template), its metadata generated at build time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScheduledBackupPlan))]
internal sealed partial class ScheduledBackupPlanJson : JsonSerializerContext;
