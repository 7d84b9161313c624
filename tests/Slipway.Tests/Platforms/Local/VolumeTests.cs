using System.Text.Json;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>An app's own volume, through the real CLI and engine: its files outlive releases, a rollback and a forced redeploy, and a manifest that drops it asks first.</summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class VolumeTests
{
    /// <summary>The test app, with /data in its image owned by the user it runs as: a new volume takes that owner.</summary>
    private const string Dockerfile = $"""
        FROM {TestEngine.BaseImage}
        WORKDIR /app
        COPY . /app
        RUN mkdir /data && chown nobody /data
        USER nobody
        CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"]
        """;

    private static void WriteManifest(LocalApp app, string volumes) =>
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("replicas: 2", "replicas: 1") + volumes);

    private static async Task<string> NoteAsync(LocalApp app)
    {
        var read = await app.Cli.RunAsync(["exec", "-f", app.ManifestPath, "--", "cat", "/data/note"], null, TestContext.Current.CancellationToken);
        read.Succeeded();
        return read.Stdout.Trim();
    }

    [Fact]
    public async Task Files_in_the_volume_outlive_releases_a_rollback_and_a_forced_deploy_and_dropping_it_asks_first()
    {
        await using var app = new LocalApp("vol");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "Dockerfile"), Dockerfile);
        app.WriteManifest();
        WriteManifest(app, "volumes:\n  data: /data\n");
        (await app.RunAsync("up")).Succeeded();
        (await app.Cli.RunAsync(["run", "-f", app.ManifestPath, "--", "sh", "-c", "echo kept > /data/note"], null, TestContext.Current.CancellationToken)).Succeeded();
        Assert.Equal("kept", await NoteAsync(app));

        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        (await app.RunAsync("up")).Succeeded();
        Assert.Equal(second, (await app.GetAsync()).Version);
        Assert.Equal("kept", await NoteAsync(app));
        (await app.RunAsync("rollback")).Succeeded();
        Assert.Equal("kept", await NoteAsync(app));
        (await app.RunAsync("up", "--force")).Succeeded();
        Assert.Equal("kept", await NoteAsync(app));

        var volume = Assert.Single((await app.StatusAsync()).GetProperty("volumes").EnumerateArray());
        Assert.Equal(("data", $"{app.Name}.data", "/data"), (volume.GetProperty("name").GetString(), volume.GetProperty("volume").GetString(), volume.GetProperty("path").GetString()));
        Assert.True(volume.GetProperty("bytes").GetInt64() >= 5);

        // A manifest without it would leave the data unused: refused without --yes, nothing changed.
        var replicas = (await app.ContainersAsync()).Select(c => c.Id).Order().ToList();
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("volumes:\n  data: /data\n", ""));
        var dropped = await app.RunAsync("up");
        Assert.Equal(2, dropped.ExitCode);
        Assert.Contains("volumes: the running release mounts data (", dropped.Stderr);
        Assert.Contains("which the manifest no longer names", dropped.Stderr);
        Assert.Contains("hint: pass --yes to confirm from a script", dropped.Stderr);
        Assert.Equal(replicas, (await app.ContainersAsync()).Select(c => c.Id).Order().ToList());

        (await app.RunAsync("up", "--yes")).Succeeded();
        var unused = Assert.Single((await app.StatusAsync()).GetProperty("volumes").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, unused.GetProperty("path").ValueKind); // kept, mounted by nothing
        var destroy = await app.RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Contains($"kept volume {app.Name}.data", destroy.All);
    }
}
