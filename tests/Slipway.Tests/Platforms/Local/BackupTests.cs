using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// Backups of a real PostgreSQL accessory that restore: rows written, backed up, the database dropped, restored and read back,
/// from the local store, from S3 on moto, and from a file of the volume's files; failures delete nothing.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class BackupTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private const string Password = "pg-backup-secret-41d9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task DropDatabaseAsync(LocalApp app)
    {
        (await app.Cli.RunAsync(["accessory", "exec", "db", "-f", app.ManifestPath, "--", "psql", "-h", "/tmp", "-U", "app", "-d", "postgres",
            "-c", "DROP DATABASE app WITH (FORCE)"], null, Ct)).Succeeded();
        using var response = await Http.Client.GetAsync(new Uri(app.Url, "/rows"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode); // the app's rows are gone
    }

    private Task<CliResult> RunAsync(LocalApp app, params string[] args) => app.RunAsync(moto.Environment, args);

    private static string IdOf(CliResult backup) => JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("id").GetString()!;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Dropped_rows_come_back_from_the_local_store_from_S3_and_from_a_file_of_the_volume()
    {
        var (app, _) = PostgresApp.Create("bak", Password);
        await using var _ = app;
        (await app.RunAsync("up")).Succeeded();
        await PostgresApp.AddRowAsync(app, "alpha");
        await PostgresApp.AddRowAsync(app, "beta");

        // The local store (the state directory's): the accessory's own dump, restored by its own restore command.
        var local = await app.RunAsync("backup", "--json");
        local.Succeeded();
        var record = JsonDocument.Parse(local.Stdout).RootElement;
        Assert.Equal(("accessory", "db", "command"), (record.GetProperty("kind").GetString(), record.GetProperty("name").GetString(), record.GetProperty("format").GetString()));
        Assert.Equal(app.Repo.Run("rev-parse", "--short=7", "HEAD").Trim(), record.GetProperty("release").GetString());
        var stored = Directory.GetFiles(Path.Combine(app.Cli.StateDirectory, "backups", app.Name));
        Assert.Equal(2, stored.Length); // the data and its metadata
        Assert.All(stored, file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
        Assert.DoesNotContain(Password, await File.ReadAllTextAsync(stored.Single(f => f.EndsWith(".json", StringComparison.Ordinal)), Ct));
        await DropDatabaseAsync(app);
        var restore = await app.RunAsync("restore", IdOf(local), "--yes");
        restore.Succeeded();
        Assert.Equal("alpha,beta", await PostgresApp.RowsAsync(app));

        // S3 (moto): the same, through the bucket; a row written after the backup is not in it.
        await moto.AwsCliAsync("s3", "mb", "s3://slipway-backups");
        var s3 = await RunAsync(app, "backup", "--to", "s3://slipway-backups/pg", "--json");
        s3.Succeeded();
        Assert.Contains($"pg/{app.Name}/{IdOf(s3)}.gz", await moto.AwsCliAsync("s3", "ls", "--recursive", "s3://slipway-backups/"));
        await PostgresApp.AddRowAsync(app, "gamma");
        await DropDatabaseAsync(app);
        (await RunAsync(app, "restore", IdOf(s3), "--to", "s3://slipway-backups/pg", "--yes")).Succeeded();
        Assert.Equal("alpha,beta", await PostgresApp.RowsAsync(app));
        var listed = await RunAsync(app, "backups", "--to", "s3://slipway-backups/pg", "--json");
        listed.Succeeded();
        Assert.Equal([IdOf(s3)], JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()));

        // The volume's files, taken with the server paused, into a file of the user's: restored over a newer state.
        var file = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "db-files.gz");
        var files = await app.RunAsync("backup", "--volume", "db/data", "-o", file, "--json");
        files.Succeeded();
        Assert.Equal("tar", JsonDocument.Parse(files.Stdout).RootElement.GetProperty("format").GetString());
        await PostgresApp.AddRowAsync(app, "delta");
        var fromFile = await app.RunAsync("restore", file, "--yes");
        fromFile.Succeeded();
        Assert.Contains("stopping", fromFile.All);
        Assert.Equal("alpha,beta", await PostgresApp.RowsAsync(app));
    }

    [Fact]
    public async Task A_failing_backup_a_refusing_bucket_and_a_full_disk_are_one_line_each_and_delete_nothing_and_old_ones_past_keep_go()
    {
        var (app, _) = PostgresApp.Create("bakf", Password);
        await using var _ = app;
        (await app.RunAsync("up")).Succeeded();
        await PostgresApp.AddRowAsync(app, "one");

        for (var i = 0; i < 3; i++) (await app.RunAsync("backup", "--keep", "2")).Succeeded();
        var kept = await app.RunAsync("backups", "--json");
        kept.Succeeded();
        var ids = JsonDocument.Parse(kept.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(2, ids.Count);

        var bucket = await RunAsync(app, "backup", "--to", "s3://no-such-bucket-here/x");
        Assert.Equal(1, bucket.ExitCode);
        Assert.Contains("error: s3://no-such-bucket-here/x/: S3 refused (NoSuchBucket)", bucket.Stderr);
        Assert.Contains("hint: create the bucket first", bucket.Stderr);
        Assert.Empty(Directory.GetFiles(Path.Combine(app.Cli.StateDirectory, "tmp")));

        app.WriteManifest(extra: PostgresApp.Manifest().Replace("command: pg_dump -h /tmp -U app --create --clean --if-exists app",
            "command: sh -c 'echo dump refused >&2; exit 3'"));
        var failed = await app.RunAsync("backup");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("error: backup of accessory db: accessories.db.backup.command exited with 3: dump refused", failed.Stderr);
        var after = await app.RunAsync("backups", "--json");
        Assert.Equal(ids, JsonDocument.Parse(after.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(app.Cli.StateDirectory, "backups", app.Name)).Length); // no partial file beside them

        if (Environment.UserName != "root") return; // mounting a small disk needs root
        using var disk = SmallDisk.Mount("64k");
        disk.Fill();
        app.WriteManifest(extra: PostgresApp.Manifest());
        var full = await app.RunAsync("backup", "-o", Path.Combine(disk.Path, "db.gz"));
        Assert.Equal(1, full.ExitCode);
        Assert.Contains("error: the disk is full", full.Stderr);
        Assert.Equal(["fill"], Directory.GetFiles(disk.Path).Select(Path.GetFileName));
    }

    /// <summary>A schedule that never comes by itself while a test runs (29 February, at midnight): the tests bring its time.</summary>
    private const string LeapDay = "0 0 29 2 *";

    /// <summary>
    /// What the scheduler beside the engine does at the scheduled time, done by one of its kind with a fake clock: runs the app's
    /// backup job, and returns the run's exit code and log.
    /// </summary>
    private static async Task<(int ExitCode, string Log)> ScheduledRunAsync(DockerEngine engine, LocalApp app, DateTimeOffset at)
    {
        var template = (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.Name), Ct)).Single(t => t.Labels.ContainsKey("slipway.backup.scheduled"));
        var before = (await engine.ListContainersAsync(JobLabels.RunsOf(app.Name, "backup"), Ct)).Select(r => r.Id).ToHashSet();
        await new JobScheduler(engine, template.Labels[JobLabels.Site], new FakeTimeProvider(at), _ => { }).TickAsync(Ct);
        var run = (await engine.ListContainersAsync(JobLabels.RunsOf(app.Name, "backup"), Ct)).Single(r => !before.Contains(r.Id));
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            var exit = await engine.WaitForExitAsync(run.Id, bounded.Token);
            return (exit, string.Join('\n', await engine.LogTailAsync(run.Id, 20, Ct)));
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            await engine.RemoveContainerAsync(run.Id, CancellationToken.None);
            throw new Xunit.Sdk.XunitException("the scheduled backup run did not end within 3 minutes");
        }
    }

    private static async Task<IReadOnlyList<string>> BackupIdsAsync(LocalApp app, Dictionary<string, string>? environment = null)
    {
        var listed = environment is null ? await app.RunAsync("backups", "--json") : await app.RunAsync(environment, "backups", "--json");
        listed.Succeeded();
        return JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public async Task A_scheduled_backup_runs_with_no_cli_keeps_its_count_and_restores_and_one_that_fails_deletes_nothing()
    {
        var (app, version) = PostgresApp.Create("sbak", Password);
        await using var _ = app;
        using var engine = TestEngine.Create();
        app.WriteManifest(extra: PostgresApp.Manifest() + $"backups: {{ schedule: \"{LeapDay}\", keep: 2 }}\n");
        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.True(up.All.Contains($"backups: every accessory and volume at {LeapDay} (UTC), next at 2028-02-29 00:00:00Z, 2 kept in", StringComparison.Ordinal), up.All);
        await PostgresApp.AddRowAsync(app, "alpha");

        // Run by hand as any job (its plan carried into the run as the scheduler carries it), and listed among the jobs.
        var manual = await app.RunAsync("jobs", "run", "backup");
        manual.Succeeded();
        Assert.Contains("accessory db: ", manual.Stdout);
        var jobs = await app.RunAsync("jobs", "--json");
        jobs.Succeeded();
        var job = JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray().Single(j => j.GetProperty("name").GetString() == "backup");
        Assert.Equal(("manual", "succeeded"), (job.GetProperty("last").GetProperty("trigger").GetString(), job.GetProperty("last").GetProperty("result").GetString()));
        var ids = await BackupIdsAsync(app);
        var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(app.Cli.StateDirectory, "backups", app.Name, ids.Single() + ".json"))).RootElement;
        Assert.Equal(("accessory", "db", "local", version), (record.GetProperty("kind").GetString(), record.GetProperty("name").GetString(),
            record.GetProperty("environment").GetString(), record.GetProperty("release").GetString()));

        // At its time, by the scheduler; the retention count holds: three backups, the two newest kept.
        var first = await ScheduledRunAsync(engine, app, new DateTimeOffset(2028, 2, 29, 0, 0, 30, TimeSpan.Zero));
        Assert.True(first.ExitCode == 0, first.Log);
        Assert.Contains("accessory db: ", first.Log);
        Assert.Equal(2, (await BackupIdsAsync(app)).Count);
        var second = await ScheduledRunAsync(engine, app, new DateTimeOffset(2032, 2, 29, 0, 0, 30, TimeSpan.Zero));
        Assert.Contains("deleted 1 older backup(s)", second.Log);
        var kept = await BackupIdsAsync(app);
        Assert.Equal(2, kept.Count);
        Assert.DoesNotContain(ids.Single(), kept);

        await DropDatabaseAsync(app);
        (await app.RunAsync("restore", kept[0], "--yes")).Succeeded();
        Assert.Equal("alpha", await PostgresApp.RowsAsync(app));

        // A run whose backup fails exits 1 (a failed job, notified like any) and leaves the store as it was.
        app.WriteManifest(extra: PostgresApp.Manifest().Replace("command: pg_dump -h /tmp -U app --create --clean --if-exists app",
            "command: sh -c 'echo dump refused >&2; exit 3'") + $"backups: {{ schedule: \"{LeapDay}\", keep: 2 }}\n");
        (await app.RunAsync("up")).Succeeded();
        var failed = await ScheduledRunAsync(engine, app, new DateTimeOffset(2040, 2, 29, 0, 0, 30, TimeSpan.Zero));
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("accessory db: backup failed, nothing was deleted: its backup command exited with 3: dump refused", failed.Log);
        Assert.Equal(kept, await BackupIdsAsync(app));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(app.Cli.StateDirectory, "backups", app.Name)).Length); // no partial file beside them

        // A run stopped midway (its timeout, the engine stopping) keeps no part of its backup and fails.
        app.WriteManifest(extra: PostgresApp.Manifest().Replace("command: pg_dump -h /tmp -U app --create --clean --if-exists app",
            "command: sleep 600") + $"backups: {{ schedule: \"{LeapDay}\", keep: 2 }}\n");
        (await app.RunAsync("up")).Succeeded();
        var template = (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.Name), Ct)).Single(t => t.Labels.ContainsKey("slipway.backup.scheduled"));
        await new JobScheduler(engine, template.Labels[JobLabels.Site], new FakeTimeProvider(new DateTimeOffset(2044, 2, 29, 0, 0, 30, TimeSpan.Zero)), _ => { }).TickAsync(Ct);
        var folder = Path.Combine(app.Cli.StateDirectory, "backups", app.Name);
        await Eventually.WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(folder, "*.partial").Length == 1), TimeSpan.FromSeconds(60), "the backup is under way");
        var stopped = (await engine.ListContainersAsync(JobLabels.RunsOf(app.Name, "backup"), Ct)).Single(r => r.State == "running");
        await engine.StopContainerAsync(stopped.Id, TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(1, await engine.WaitForExitAsync(stopped.Id, Ct));
        Assert.Contains("stopped before it finished", string.Join('\n', await engine.LogTailAsync(stopped.Id, 5, Ct)));
        Assert.Empty(Directory.GetFiles(folder, "*.partial"));
        Assert.Equal(kept, await BackupIdsAsync(app));
    }

    [Fact]
    public async Task A_scheduled_backup_to_S3_holds_the_keys_in_no_label_or_variable_and_restores_from_the_bucket()
    {
        var (app, _) = PostgresApp.Create("sbs3", Password);
        await using var _ = app;
        using var engine = TestEngine.Create();
        const string secretKey = "scheduled-s3-secret-5c81e0";
        var aws = new Dictionary<string, string>(moto.Environment) { ["AWS_ACCESS_KEY_ID"] = "AKIASCHEDULEDTEST", ["AWS_SECRET_ACCESS_KEY"] = secretKey };
        await moto.AwsCliAsync("s3", "mb", "s3://slipway-scheduled");
        app.WriteManifest(extra: PostgresApp.Manifest() + $"backups: {{ schedule: \"{LeapDay}\", to: \"s3://slipway-scheduled/nightly\" }}\n");
        var up = await app.RunAsync(aws, "up");
        up.Succeeded();
        Assert.DoesNotContain(secretKey, up.All);
        await PostgresApp.AddRowAsync(app, "alpha");
        var template = JobLabels.TemplateName(app.Name, "backup");
        Assert.Contains(secretKey, await engine.ReadFileAsync(template, "/.slipway-backup.json", Ct)); // the run's only copy: a root-only file
        using (var inspect = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker", ["inspect", template]) { RedirectStandardOutput = true })!)
        {
            var details = await inspect.StandardOutput.ReadToEndAsync(Ct);
            await inspect.WaitForExitAsync(Ct);
            Assert.Contains("slipway.backup.scheduled", details);
            Assert.DoesNotContain(secretKey, details); // in no label, variable or command
        }

        // Inline socket completions are the proxy's alone: with them the AWS SDK's blocking read of an answer hung a run.
        Assert.Contains("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1", await ProcessEnvironmentAsync(app.Cli.EdgeContainer));
        var scheduler = app.Cli.EdgeContainer.Replace("slipway-edge", "slipway-scheduler", StringComparison.Ordinal);
        Assert.DoesNotContain("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1", await ProcessEnvironmentAsync(scheduler));

        var run = await ScheduledRunAsync(engine, app, new DateTimeOffset(2028, 2, 29, 0, 0, 30, TimeSpan.Zero));

        Assert.True(run.ExitCode == 0, run.Log);
        Assert.DoesNotContain(secretKey, run.Log);
        var id = (await BackupIdsAsync(app, aws)).Single();
        Assert.Contains($"nightly/{app.Name}/{id}.gz", await moto.AwsCliAsync("s3", "ls", "--recursive", "s3://slipway-scheduled/"));
        await DropDatabaseAsync(app);
        (await app.RunAsync(aws, "restore", id, "--yes")).Succeeded();
        Assert.Equal("alpha", await PostgresApp.RowsAsync(app));
    }

    /// <summary>The environment of a running container's program, as the kernel holds it (its entrypoint's exports included).</summary>
    private static async Task<string> ProcessEnvironmentAsync(string container)
    {
        var (code, pid) = await Shell.OutputAsync($"docker inspect -f '{{{{.State.Pid}}}}' {container}", Ct);
        Assert.True(code == 0, pid);
        return (await File.ReadAllTextAsync($"/proc/{pid.Trim()}/environ", Ct)).Replace('\0', '\n');
    }

    /// <summary>A request to a preview's host on the base's edge port.</summary>
    private static async Task<string> PreviewAsync(LocalApp app, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri(app.Url, path)) { Headers = { Host = $"pr-1.preview.test:{app.Port}" } };
        using var response = await Http.Client.SendAsync(request, Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(Ct)).Trim();
    }

    [Fact]
    public async Task A_new_preview_starts_from_the_bases_latest_backup_and_keeps_its_own_rows_after_that()
    {
        var (app, _) = PostgresApp.Create("seed", Password);
        await using var _ = app;
        try
        {
            (await app.RunAsync("up")).Succeeded();
            await PostgresApp.AddRowAsync(app, "alpha");
            await PostgresApp.AddRowAsync(app, "beta");
            var backup = await app.RunAsync("backup", "--json");
            backup.Succeeded();
            await PostgresApp.AddRowAsync(app, "gamma");
            File.AppendAllText(app.ManifestPath,
                "previews:\n  from: local\n  host: \"{name}.preview.test\"\n  secrets: [DB_PASSWORD, POSTGRES_PASSWORD]\n  seed: { db: latest }\n");

            var preview = await app.RunAsync("up", "--preview", "pr-1");

            preview.Succeeded();
            Assert.Contains($"restored accessory db of {app.Name}-pr-1 from {IdOf(backup)}", preview.All);
            Assert.Equal("alpha,beta", await PreviewAsync(app, HttpMethod.Get, "/rows"));
            await PreviewAsync(app, HttpMethod.Post, "/rows/preview-only");
            Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app)); // the base's database is its own
            var again = await app.RunAsync("up", "--preview", "pr-1", "--force");
            again.Succeeded();
            Assert.DoesNotContain("restored accessory db", again.All); // a preview that serves keeps its data
            Assert.Equal("alpha,beta,preview-only", await PreviewAsync(app, HttpMethod.Get, "/rows"));
        }
        finally
        {
            await app.Cli.RunAsync(["destroy", "--preview", "pr-1", "--volumes", "--yes", "-f", app.ManifestPath], null, CancellationToken.None);
            await Leftovers.RemoveVolumesAsync($"{app.Name}-pr-1");
        }
    }
}
