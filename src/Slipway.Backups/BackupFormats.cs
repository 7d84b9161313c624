namespace Slipway.Backups;

/// <summary>How a backup's data is put back: by the accessory's restore command, or as a volume's files.</summary>
public static class BackupFormats
{
    /// <summary>The accessory's backup command's output, read by its restore command.</summary>
    public const string Command = "command";
    /// <summary>A volume's files as a tar archive (owners and modes kept).</summary>
    public const string Tar = "tar";
}
