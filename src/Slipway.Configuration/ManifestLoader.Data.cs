namespace Slipway.Configuration;

/// <summary>Reads where an app keeps its data: its volumes, and its accessories (a database beside it) with theirs.</summary>
public static partial class ManifestLoader
{
    private static IReadOnlyList<VolumeSpec> ReadVolumes(MappingReader? reader, string key)
    {
        if (reader is null) return [];
        var volumes = new List<VolumeSpec>();
        foreach (var (name, line) in reader.Keys().ToList())
        {
            if (!ProcessNamePattern().IsMatch(name))
                throw Invalid(reader.File, line, $"{key}.{name}", "is not a valid volume name",
                    "use 1-20 lowercase letters, digits and dashes, starting with a letter");
            Located? path;
            var shared = false;
            if (reader.OptionalMapping(name, allowScalar: true) is { } mapping)
            {
                path = mapping.OptionalString("path");
                shared = mapping.OptionalBool("shared") ?? false;
                mapping.RejectUnknownKeys();
            }
            else path = reader.OptionalString(name);
            if (path is null)
                throw Invalid(reader.File, line, $"{key}.{name}", "needs the path it is mounted at", $"e.g. {name}: /var/lib/{name}");
            var value = path.Value.TrimEnd('/');
            if (!value.StartsWith('/') || value.Length == 0 || value.Contains(':') || value.Contains(',')
                || value.Split('/').Any(part => part is "." or "..") || value.Any(char.IsControl))
                throw Invalid(reader.File, path.Line, $"{key}.{name}", $"\"{path.Value}\" is not an absolute path in the container",
                    "e.g. /var/lib/app: no colon, comma, . or .. parts, and not / itself");
            if (volumes.FirstOrDefault(v => v.Path == value) is { } twice)
                throw Invalid(reader.File, path.Line, $"{key}.{name}", $"is mounted at {value}, as {key}.{twice.Name} is", "give each volume a path of its own");
            volumes.Add(new VolumeSpec(name, value, shared));
        }
        return volumes;
    }

    private static IReadOnlyList<AccessorySpec> ReadAccessories(MappingReader? reader, string manifestDir)
    {
        if (reader is null) return [];
        var accessories = new List<AccessorySpec>();
        foreach (var (name, line) in reader.Keys().ToList())
        {
            var key = $"accessories.{name}";
            if (!ProcessNamePattern().IsMatch(name))
                throw Invalid(reader.File, line, key, "is not a valid accessory name",
                    "use 1-20 lowercase letters, digits and dashes, starting with a letter: the app reaches it by this name");
            var accessory = reader.OptionalMapping(name)
                ?? throw Invalid(reader.File, line, key, "needs an image or a build", "e.g. db: { image: postgres:16, volumes: { data: /var/lib/postgresql/data } }");
            var image = accessory.OptionalString("image");
            var build = accessory.OptionalString("build");
            if ((image is null) == (build is null))
                throw Invalid(reader.File, accessory.Line, key, "needs exactly one of image: (a reference) or build: (a folder with its Dockerfile)");
            if (image is not null && (image.Value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || image.Value.Length is 0 or > 255))
                throw Invalid(reader.File, image.Line, $"{key}.image", $"\"{image.Value}\" is not an image reference", "e.g. postgres:16 or registry.example.com/cache:7");
            string? folder = null;
            if (build is not null)
            {
                folder = Path.GetFullPath(Path.Combine(manifestDir, build.Value));
                if (!File.Exists(Path.Combine(folder, "Dockerfile")))
                    throw Invalid(reader.File, build.Line, $"{key}.build", $"no Dockerfile in {folder}", "the folder is relative to the manifest and holds the accessory's Dockerfile");
            }
            var env = ReadEnv(accessory.OptionalMapping("env"), $"{key}.env");
            var secrets = ReadSecrets(accessory.OptionalMapping("secrets"), manifestDir, $"{key}.secrets");
            foreach (var both in secrets.Keys.Where(env.ContainsKey))
                throw Invalid(reader.File, accessory.Line, $"{key}.secrets.{both}", "is also set in env", "a variable is either plain env or a secret");
            foreach (var (secret, spec) in secrets.Where(s => !s.Value.IsReadBySlipway))
                throw Invalid(reader.File, accessory.Line, $"{key}.secrets.{secret}.fromSsm", "an accessory's secret is read by Slipway", "use fromEnv: or fromFile:");
            CheckTemplates(env, secrets, reader.File, accessory.Line, $"{key}.env");
            var command = accessory.OptionalCommand("command");
            if (command is not null && (command.Count == 0 || command[^1].Trim().Length == 0))
                throw Invalid(reader.File, accessory.Line, $"{key}.command", "is empty", "give the command it runs, or remove command: to run its image's own");
            accessories.Add(new AccessorySpec(name, image?.Value, folder, env, secrets,
                ReadVolumes(accessory.OptionalMapping("volumes"), $"{key}.volumes"), accessory.OptionalInt("port", 1, 65535),
                ReadAccessoryHealth(accessory.OptionalMapping("healthCheck"), key), command, ReadBackup(accessory.OptionalMapping("backup"), key)));
            accessory.RejectUnknownKeys();
        }
        return accessories;
    }

    private static AccessoryHealthSpec? ReadAccessoryHealth(MappingReader? reader, string key)
    {
        if (reader is null) return null;
        var command = reader.OptionalCommand("command");
        if (command is null || command.Count == 0 || command[^1].Trim().Length == 0)
            throw Invalid(reader.File, reader.Line, $"{key}.healthCheck.command", "is required",
                "a command that succeeds inside the accessory once it serves, e.g. command: pg_isready -h 127.0.0.1 -U app");
        var spec = new AccessoryHealthSpec(command,
            reader.OptionalDuration("interval", TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5)) ?? TimeSpan.FromSeconds(1),
            reader.OptionalDuration("timeout", TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(2)) ?? TimeSpan.FromSeconds(5),
            reader.OptionalDuration("startPeriod", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)) ?? TimeSpan.FromSeconds(60));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static AccessoryBackupSpec? ReadBackup(MappingReader? reader, string key)
    {
        if (reader is null) return null;
        var command = reader.OptionalCommand("command");
        var restore = reader.OptionalCommand("restore");
        if (command is null || restore is null || command.Count == 0 || restore.Count == 0)
            throw Invalid(reader.File, reader.Line, $"{key}.backup", "needs both command: (writes the data to its stdout) and restore: (reads it from its stdin)",
                "e.g. command: pg_dump -U app app, restore: psql -U app app");
        reader.RejectUnknownKeys();
        return new AccessoryBackupSpec(command, restore);
    }

    private static BackupsSpec ReadBackups(MappingReader? reader, string manifestDir)
    {
        if (reader is null) return new BackupsSpec();
        var to = reader.OptionalString("to");
        string? location = null;
        if (to is not null)
        {
            location = to.Value.StartsWith("s3://", StringComparison.Ordinal) ? to.Value : Path.GetFullPath(Path.Combine(manifestDir, to.Value));
            if (location.StartsWith("s3://", StringComparison.Ordinal) && !S3Location.TryParse(location, out _))
                throw Invalid(reader.File, to.Line, "backups.to", $"\"{to.Value}\" is not an S3 location", "write s3://bucket or s3://bucket/prefix (a bucket name is 3-63 lowercase letters, digits, dots and dashes)");
        }
        var spec = new BackupsSpec(location, reader.OptionalInt("keep", 1, 1000) ?? 7, ReadSchedule(reader, "backups"));
        reader.RejectUnknownKeys();
        return spec;
    }

    /// <summary>A scheduled backup needs data to back up, and a name among the jobs of its own.</summary>
    private static void CheckScheduledBackups(AppManifest manifest, string file)
    {
        if (manifest.Backups.Schedule is null) return;
        if (manifest.Volumes.Count == 0 && manifest.Accessories.All(a => a.Backup is null && a.Volumes.Count == 0))
            throw Invalid(file, 1, "backups.schedule", "is set, but the app keeps no data (no volumes:, and no accessory with volumes: or backup:)",
                "declare the data to back up, or remove backups.schedule");
        if (manifest.Jobs.Any(j => j.Name == BackupsSpec.JobName))
            throw Invalid(file, 1, $"jobs.{BackupsSpec.JobName}", "takes the name of the scheduled backup (backups.schedule)", "rename the job");
    }

    /// <summary>Every <c>${NAME}</c> in an env value must name a secret of the same app or accessory.</summary>
    private static void CheckTemplates(IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<string, SecretSpec> secrets, string file, long line, string key)
    {
        foreach (var (name, value) in env)
        {
            foreach (var reference in EnvTemplate.References(value).Where(r => !secrets.ContainsKey(r)))
                throw Invalid(file, line, $"{key}.{name}", $"${{{reference}}} names no secret of this {(key.StartsWith("accessories", StringComparison.Ordinal) ? "accessory" : "app")}",
                    "declare it under secrets: beside this env, or write $${ for a literal ${");
        }
    }

    /// <summary>Volumes that several containers would use at once, refused unless the manifest says the app can share them.</summary>
    private static void CheckVolumeSharing(AppManifest manifest, string file)
    {
        var containers = manifest.Replicas + manifest.Processes.Sum(p => p.Replicas);
        if (containers <= 1) return;
        if (manifest.Volumes.FirstOrDefault(v => !v.Shared) is { } volume)
            throw Invalid(file, 1, $"volumes.{volume.Name}",
                $"{containers} containers would use it at once ({manifest.Replicas} replica(s){(manifest.Processes.Count > 0 ? " and the processes" : "")}), and most apps cannot share their files",
                $"set replicas: 1, or write volumes: {{ {volume.Name}: {{ path: {volume.Path}, shared: true }} }} if the app can");
    }
}
