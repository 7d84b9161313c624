namespace Slipway.Configuration;

/// <summary>Reads what a release runs with: resources, health check, env, secrets, user, release command, processes, hooks, notifications.</summary>
public static partial class ManifestLoader
{
    private static ResourcesSpec ReadResources(MappingReader? reader)
    {
        if (reader is null) return new ResourcesSpec();
        var memory = reader.OptionalString("memory");
        long bytes = ResourcesSpec.DefaultMemoryBytes;
        if (memory is not null && (!TryParseBytes(memory.Value, out bytes) || bytes < 6L << 20 || bytes > 1L << 40))
            throw Invalid(reader.File, memory.Line, "resources.memory", $"\"{memory.Value}\" is not a memory size from 6Mi to 1Ti",
                "use e.g. 256Mi, 1Gi (or 256m, 1g)");
        var spec = new ResourcesSpec { MemoryBytes = bytes, Pids = reader.OptionalInt("pids", 16, 1_000_000) ?? ResourcesSpec.DefaultPids };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static bool TryParseBytes(string text, out long bytes)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+)\s*([kmgt]i?b?)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        bytes = 0;
        if (!match.Success || !long.TryParse(match.Groups[1].Value, out var number)) return false;
        var shift = char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault()) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, _ => 0 };
        if (number > (long.MaxValue >> shift)) return false;
        bytes = number << shift;
        return true;
    }

    private static HealthCheckSpec ReadHealthCheck(MappingReader? reader)
    {
        if (reader is null) return new HealthCheckSpec();
        var defaults = new HealthCheckSpec();
        var path = reader.OptionalString("path");
        if (path is not null && (!path.Value.StartsWith('/') || path.Value.StartsWith("//", StringComparison.Ordinal)
                                 || path.Value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\')))
            throw Invalid(reader.File, path.Line, "healthCheck.path",
                $"\"{path.Value}\" must be an absolute path on the replica: one /, then no spaces, backslashes or second /",
                "for example /healthz; a path starting // would name another host");
        var spec = new HealthCheckSpec
        {
            Path = path?.Value ?? defaults.Path,
            Interval = reader.OptionalDuration("interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)) ?? defaults.Interval,
            Timeout = reader.OptionalDuration("timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2)) ?? defaults.Timeout,
            HealthyThreshold = reader.OptionalInt("healthyThreshold", 1, 10) ?? defaults.HealthyThreshold,
            UnhealthyThreshold = reader.OptionalInt("unhealthyThreshold", 1, 10) ?? defaults.UnhealthyThreshold,
            StartPeriod = reader.OptionalDuration("startPeriod", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)) ?? defaults.StartPeriod,
        };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static Dictionary<string, string> ReadEnv(MappingReader? reader, string key = "env")
    {
        if (reader is null) return [];
        var env = reader.StringMap();
        foreach (var name in env.Keys.Where(name => !EnvNamePattern().IsMatch(name)))
            throw Invalid(reader.File, reader.Line, $"{key}.{name}", "is not a valid environment variable name");
        return env;
    }

    private static Dictionary<string, SecretSpec> ReadSecrets(MappingReader? reader, string manifestDir, string key = "secrets")
    {
        var secrets = new Dictionary<string, SecretSpec>();
        if (reader is null) return secrets;
        foreach (var (name, line) in reader.Keys())
        {
            if (!EnvNamePattern().IsMatch(name))
                throw Invalid(reader.File, line, $"{key}.{name}", "is not a valid environment variable name");
            var secret = reader.RequiredMapping(name);
            var fromEnv = secret.OptionalString("fromEnv");
            var fromFile = secret.OptionalString("fromFile");
            var fromSsm = secret.OptionalString("fromSsm");
            if (new[] { fromEnv, fromFile, fromSsm }.Count(s => s is not null) != 1)
                throw Invalid(reader.File, line, $"{key}.{name}", "needs exactly one of fromEnv:, fromFile: or fromSsm:",
                    "secret values never go in the manifest itself");
            if (fromSsm is not null && !SsmParameterPattern().IsMatch(fromSsm.Value))
                throw Invalid(reader.File, fromSsm.Line, $"{key}.{name}.fromSsm", $"\"{fromSsm.Value}\" is not an SSM parameter name or ARN",
                    "e.g. fromSsm: /copilot/shop/prod/secrets/DB_PASSWORD");
            secret.RejectUnknownKeys();
            secrets[name] = new SecretSpec
            {
                FromEnv = fromEnv?.Value,
                FromFile = fromFile is null ? null : Path.GetFullPath(Path.Combine(manifestDir, fromFile.Value)),
                FromSsm = fromSsm?.Value,
            };
        }
        return secrets;
    }

    private static string? ReadUser(MappingReader reader)
    {
        var user = reader.OptionalString("user");
        if (user is not null && !UserPattern().IsMatch(user.Value))
            throw Invalid(reader.File, user.Line, "user", $"\"{user.Value}\" is not a user name, uid or uid:gid", "e.g. user: \"65534:65534\" (nobody) or user: app");
        return user?.Value;
    }

    private static ReleaseSpec? ReadRelease(MappingReader? reader)
    {
        if (reader is null) return null;
        var command = reader.OptionalCommand("command") ?? [];
        if (command.Count == 0 || command.All(string.IsNullOrWhiteSpace) || command[^1].Trim().Length == 0)
            throw Invalid(reader.File, reader.Line, "release.command", "is empty", "give the command to run before traffic moves, e.g. command: flask db upgrade");
        var spec = new ReleaseSpec(command, reader.OptionalDuration("timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)) ?? TimeSpan.FromMinutes(5));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static IReadOnlyList<ProcessSpec> ReadProcesses(MappingReader? reader)
    {
        if (reader is null) return [];
        var processes = new List<ProcessSpec>();
        foreach (var (name, line) in reader.Keys().ToList())
        {
            if (!ProcessNamePattern().IsMatch(name) || name == "web")
                throw Invalid(reader.File, line, $"processes.{name}", "is not a valid process name",
                    "use 1-20 lowercase letters, digits and dashes, starting with a letter; web is the app itself");
            var process = reader.OptionalMapping(name)
                ?? throw Invalid(reader.File, line, $"processes.{name}", "needs a command", "e.g. worker: { command: \"python worker.py\" }");
            var command = process.OptionalCommand("command") ?? [];
            if (command.Count == 0 || command.All(string.IsNullOrWhiteSpace) || command[^1].Trim().Length == 0)
                throw Invalid(reader.File, process.Line, $"processes.{name}.command", "is empty", "give the command the process runs, e.g. command: python worker.py");
            var check = process.OptionalCommand("check");
            if (check is not null && (check.Count == 0 || check[^1].Trim().Length == 0))
                throw Invalid(reader.File, process.Line, $"processes.{name}.check", "is empty", "give a command that succeeds inside a healthy process, or remove check:");
            processes.Add(new ProcessSpec(name, command, process.OptionalInt("replicas", 0, 100) ?? 1,
                process.OptionalDuration("healthy", TimeSpan.Zero, TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(10), check));
            process.RejectUnknownKeys();
        }
        return processes;
    }

    private static IReadOnlyList<JobSpec> ReadJobs(MappingReader? reader)
    {
        if (reader is null) return [];
        var jobs = new List<JobSpec>();
        foreach (var (name, line) in reader.Keys().ToList())
        {
            var key = $"jobs.{name}";
            if (!ProcessNamePattern().IsMatch(name))
                throw Invalid(reader.File, line, key, "is not a valid job name", "use 1-20 lowercase letters, digits and dashes, starting with a letter");
            var job = reader.OptionalMapping(name)
                ?? throw Invalid(reader.File, line, key, "needs a schedule and a command", "e.g. nightly: { schedule: \"0 3 * * *\", command: python report.py }");
            var schedule = ReadSchedule(job, key) ?? throw Invalid(reader.File, job.Line, $"{key}.schedule", "is required",
                "five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\" (03:00 every day)");
            var command = job.OptionalCommand("command") ?? [];
            if (command.Count == 0 || command.All(string.IsNullOrWhiteSpace) || command[^1].Trim().Length == 0)
                throw Invalid(reader.File, job.Line, $"{key}.command", "is empty", "give the command to run, e.g. command: python report.py");
            var concurrency = job.OptionalString("concurrency");
            var policy = concurrency?.Value switch
            {
                null or "forbid" => JobConcurrency.Forbid,
                "allow" => JobConcurrency.Allow,
                "replace" => JobConcurrency.Replace,
                _ => throw Invalid(reader.File, concurrency.Line, $"{key}.concurrency", $"\"{concurrency.Value}\" is not forbid, allow or replace",
                    "forbid skips a run while the last one goes on (the default), allow runs both, replace stops the last one"),
            };
            jobs.Add(new JobSpec(name, schedule, command, job.OptionalDuration("timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)) ?? TimeSpan.FromHours(1),
                policy, job.OptionalDuration("startingDeadline", TimeSpan.FromSeconds(1), TimeSpan.FromDays(7))));
            job.RejectUnknownKeys();
        }
        return jobs;
    }

    /// <summary>A mapping's <c>schedule</c> (cron, five fields) in its <c>timeZone</c> (IANA, default UTC); null when it has none.</summary>
    private static Foundation.Timing.CronSchedule? ReadSchedule(MappingReader reader, string key)
    {
        var zoneName = reader.OptionalString("timeZone");
        var zone = TimeZoneInfo.Utc;
        if (zoneName is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneName.Value, out zone))
            throw Invalid(reader.File, zoneName.Line, $"{key}.timeZone", $"\"{zoneName.Value}\" is not a time zone", "use an IANA name, e.g. Europe/Paris or America/New_York (default UTC)");
        if (reader.OptionalString("schedule") is not { } expression)
            return zoneName is null ? null : throw Invalid(reader.File, zoneName.Line, $"{key}.timeZone", "is set without a schedule", "give schedule: too, or remove timeZone:");
        var schedule = Foundation.Timing.CronSchedule.TryParse(expression.Value, zone!, out var problem)
            ?? throw Invalid(reader.File, expression.Line, $"{key}.schedule", problem!.Contains(':') ? $"\"{expression.Value}\": {problem}" : $"\"{expression.Value}\" {problem}",
                "five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\" (03:00 every day, in timeZone: or UTC)");
        if (schedule.Next(DateTimeOffset.UnixEpoch.AddYears(56)) is null)
            throw Invalid(reader.File, expression.Line, $"{key}.schedule", $"\"{expression.Value}\" never fires", "check the day and month: 30 February never comes");
        return schedule;
    }

    private static HooksSpec ReadHooks(MappingReader? reader)
    {
        if (reader is null) return new HooksSpec();
        var spec = new HooksSpec
        {
            PreBuild = reader.OptionalString("preBuild")?.Value,
            PreCutover = reader.OptionalString("preCutover")?.Value,
            PostDeploy = reader.OptionalString("postDeploy")?.Value,
        };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static NotifySpec? ReadNotify(MappingReader? reader)
    {
        if (reader is null) return null;
        var webhook = reader.OptionalString("webhook");
        var fromEnv = reader.OptionalString("webhookFromEnv");
        if ((webhook is null) == (fromEnv is null))
            throw Invalid(reader.File, reader.Line, "notify", "needs exactly one of webhook: (a URL) or webhookFromEnv: (a variable holding it)",
                "a webhook URL that carries a token is best kept out of the manifest: webhookFromEnv: SLACK_WEBHOOK_URL");
        Uri? url = null;
        if (webhook is not null && !Webhooks.TryParse(webhook.Value, out url))
            throw Invalid(reader.File, webhook.Line, "notify.webhook", "is not an http:// or https:// URL",
                "use the full URL the chat tool or service gave you, e.g. https://hooks.example.com/services/...");
        if (fromEnv is not null && !EnvNamePattern().IsMatch(fromEnv.Value))
            throw Invalid(reader.File, fromEnv.Line, "notify.webhookFromEnv", $"\"{fromEnv.Value}\" is not an environment variable name");
        var spec = new NotifySpec(url, fromEnv?.Value,
            reader.OptionalDuration("timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)) ?? TimeSpan.FromSeconds(5));
        reader.RejectUnknownKeys();
        return spec;
    }
}
