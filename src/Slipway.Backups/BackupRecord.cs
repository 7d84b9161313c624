using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slipway.Backups;

/// <summary>What a backup is of: an accessory (by its backup command, or its volumes' files) or one of the app's volumes.</summary>
public sealed record BackupTarget(string Kind, string Name)
{
    public const string Accessory = "accessory";
    public const string Volume = "volume";

    public override string ToString() => $"{Kind} {Name}";
}

/// <summary>
/// One backup, as its metadata file describes it. <see cref="Format"/> says how its data is put back: <c>command</c> (the
/// accessory's backup command's output, read by its restore command) or <c>tar</c> (a volume's files).
/// </summary>
/// <param name="Id">Unique within a store: app, target and time (<c>shop-db-20261207T031500123Z</c>).</param>
/// <param name="Release">The app's release serving when it was taken; null: none.</param>
/// <param name="Bytes">The size of the stored (gzip) file.</param>
/// <param name="Sha256">The stored file's digest, checked before a restore reads it.</param>
public sealed record BackupRecord(string Id, string App, string Environment, string Kind, string Name, string Format, DateTimeOffset CreatedAt,
    string? Release, long Bytes, string Sha256)
{
    public BackupTarget Target => new(Kind, Name);

    /// <summary>The data file's name beside its metadata file (<see cref="MetadataFileName"/>).</summary>
    public string DataFileName => Id + ".gz";

    public string MetadataFileName => Id + ".json";

    public string ToJson() => JsonSerializer.Serialize(this, BackupRecordJson.Default.BackupRecord);

    /// <summary>The record a metadata file holds; null when it is not one.</summary>
    public static BackupRecord? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BackupRecordJson.Default.BackupRecord) is { Id.Length: > 0, App.Length: > 0, Sha256.Length: 64 } record ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A new backup's ID: its app, its target's name, and the time to the millisecond (UTC).</summary>
    public static string NewId(string app, BackupTarget target, DateTimeOffset at) =>
        $"{app}-{target.Name.Replace('/', '.')}-{at.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}";
}

/// <summary>A backup's metadata file, its JSON metadata generated at build time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(BackupRecord))]
internal sealed partial class BackupRecordJson : JsonSerializerContext;
