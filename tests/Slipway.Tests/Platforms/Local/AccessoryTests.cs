using System.Text.Json;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// A real PostgreSQL server beside the app, through the real CLI and engine: the app's rows outlive its releases, a rollback,
/// the accessory's restart and replacement, and a destroy; a broken accessory change puts the previous one back.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class AccessoryTests
{
    private const string Password = "pg-secret-6b1f0c";

    private static Task<CliResult> ExecAsync(LocalApp app, params string[] command) =>
        app.Cli.RunAsync(["accessory", "exec", "db", "-f", app.ManifestPath, "--", .. command], null, TestContext.Current.CancellationToken);

    private static async Task<string> DatabaseIdAsync(LocalApp app) => Assert.Single(await app.AccessoryContainersAsync()).Id;

    [Fact]
    public async Task The_rows_survive_three_releases_a_rollback_an_accessory_restart_and_replacement_and_a_failed_change_puts_the_previous_back()
    {
        var (app, first) = PostgresApp.Create("pg", Password);
        await using var _ = app;

        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.Contains("accessory db: starting", up.All);
        Assert.True(up.All.IndexOf("accessory db: healthy", StringComparison.Ordinal) < up.All.IndexOf("cut over", StringComparison.Ordinal),
            "the accessory is healthy before the app's first release takes traffic");
        await PostgresApp.AddRowAsync(app, "alpha");
        await PostgresApp.AddRowAsync(app, "beta");
        var database = await DatabaseIdAsync(app);

        // Two more releases of the app: the database is never replaced by an app deploy.
        app.Repo.Write("app/app.py", PostgresApp.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");
        (await app.RunAsync("up")).Succeeded();
        await PostgresApp.AddRowAsync(app, "gamma");
        app.Repo.Write("app/app.py", PostgresApp.FlaskApp.Replace("version {VERSION}", "v3 {VERSION}"));
        app.Repo.Commit("v3");
        (await app.RunAsync("up")).Succeeded();
        Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app));
        Assert.Equal(database, await DatabaseIdAsync(app));

        (await app.RunAsync("rollback")).Succeeded();
        Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app));
        Assert.Equal(database, await DatabaseIdAsync(app));

        var restart = await app.RunAsync("accessory", "restart", "db");
        restart.Succeeded();
        Assert.NotEqual(database, await DatabaseIdAsync(app));
        Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app));

        // Its own spec changed: replaced, with its data.
        app.WriteManifest(extra: PostgresApp.Manifest().Replace("POSTGRES_DB: app }", "POSTGRES_DB: app, TZ: UTC }"));
        var replaced = await app.RunAsync("up");
        replaced.Succeeded();
        Assert.Contains("accessory db: its spec changed, replacing it", replaced.All);
        Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app));
        var healthy = await DatabaseIdAsync(app);

        // A change that cannot start: rejected, and the previous server is back with the rows.
        app.WriteManifest(extra: PostgresApp.Manifest().Replace("    port: 5432", "    port: 5432\n    command: [\"sh\", \"-c\", \"echo no such cluster; exit 4\"]"));
        var broken = await app.RunAsync("up");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("accessory db exited with code 4", broken.Stderr);
        Assert.Contains("no such cluster", broken.Stderr);
        Assert.Contains("the previous one is running again with its data", broken.Stderr);
        Assert.Equal(healthy, await DatabaseIdAsync(app));
        Assert.Equal("alpha,beta,gamma", await PostgresApp.RowsAsync(app));
    }

    [Fact]
    public async Task Status_exec_and_logs_show_the_accessory_with_its_secret_redacted_and_destroy_keeps_its_volume_unless_asked()
    {
        var (app, _) = PostgresApp.Create("pgd", Password);
        await using var _ = app;
        (await app.RunAsync("up")).Succeeded();
        await PostgresApp.AddRowAsync(app, "kept");

        var status = await app.StatusAsync();
        var accessory = Assert.Single(status.GetProperty("accessories").EnumerateArray());
        Assert.Equal(("db", "running", "healthy", "db:5432"), (accessory.GetProperty("name").GetString(), accessory.GetProperty("state").GetString(),
            accessory.GetProperty("health").GetString(), accessory.GetProperty("address").GetString()));
        var volume = Assert.Single(status.GetProperty("volumes").EnumerateArray());
        Assert.Equal(("db/data", $"{app.Name}.db.data", "/var/lib/postgresql/data"),
            (volume.GetProperty("name").GetString(), volume.GetProperty("volume").GetString(), volume.GetProperty("path").GetString()));
        Assert.True(volume.GetProperty("bytes").GetInt64() > 1_000_000, "a PostgreSQL cluster holds megabytes");

        var count = await ExecAsync(app, "psql", "-h", "/tmp", "-U", "app", "-d", "app", "-tAc", "select count(*) from rows");
        count.Succeeded();
        Assert.Equal("1", count.Stdout.Trim());
        var secret = await ExecAsync(app, "sh", "-c", "echo password=$POSTGRES_PASSWORD");
        secret.Succeeded();
        Assert.Contains("password=", secret.Stdout);
        Assert.DoesNotContain(Password, secret.All);
        var logs = await app.Cli.RunAsync(["accessory", "logs", "db", "-m", app.ManifestPath], null, TestContext.Current.CancellationToken);
        logs.Succeeded();
        Assert.Contains("database system is ready to accept connections", logs.Stdout);
        var unknown = await app.RunAsync("accessory", "restart", "cache");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("has no accessory \"cache\"", unknown.Stderr);
        Assert.Contains("hint: its accessories: db", unknown.Stderr);

        // Dropped from the manifest: its container goes, its volume stays.
        var manifest = PostgresApp.Manifest();
        app.WriteManifest(extra: manifest[..manifest.IndexOf("accessories:", StringComparison.Ordinal)]);
        var dropped = await app.RunAsync("up");
        dropped.Succeeded();
        Assert.Contains("accessory db: no longer in the manifest, removed (its volumes are kept)", dropped.All);
        Assert.Empty(await app.AccessoryContainersAsync());
        Assert.Single(await app.VolumesAsync());
        app.WriteManifest(extra: manifest);

        var destroy = await app.RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Contains($"kept volume {app.Name}.db.data", destroy.All);
        Assert.Empty(await app.AccessoryContainersAsync());
        Assert.Single(await app.VolumesAsync());

        // Deployed again, the app finds its data where it left it.
        (await app.RunAsync("up")).Succeeded();
        Assert.Equal("kept", await PostgresApp.RowsAsync(app));

        var removeAll = await app.RunAsync("destroy", "--volumes", "--yes");
        removeAll.Succeeded();
        Assert.Contains($"removed volume {app.Name}.db.data", removeAll.All);
        Assert.Empty(await app.VolumesAsync());
    }
}
