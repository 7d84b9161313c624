using Slipway.Platforms.Local;
using System.Net;
using System.Text.Json;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Security;

/// <summary>
/// Hostile and careless input, each closed by a test that failed before its fix: nothing from outside the
/// source tree or a secret's file reaches an image, no secret or credential reaches output or history, one
/// app's port reaches only that app, probes stay on their replica, state is private, hooks get no secrets.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EndToEnd.EngineCollection.Name)]
public sealed class SecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The value is in none of the outputs, nor in <c>releases</c>, nor in the history file's rows.</summary>
    private static async Task AssertNowhereAsync(LocalApp app, string value, params CliResult[] outputs)
    {
        var releases = await app.RunAsync("releases", "--json");
        Assert.DoesNotContain(value, string.Concat(outputs.Select(o => o.All)) + releases.All);
        var history = await new Slipway.Platforms.History.ReleaseHistory(new Slipway.Platforms.History.SqliteReleaseLog(new Slipway.Foundation.Files.StateDirectory(app.Cli.StateDirectory)), TimeProvider.System)
            .ListAsync(app.Name, "local", 50, Ct);
        Assert.NotEmpty(history);
        Assert.DoesNotContain(history, r => (r.Error ?? "").Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_subdirectory_that_is_a_link_out_of_the_repository_is_refused_naming_it()
    {
        await using var app = new LocalApp("symdir");
        using var outside = new TempDirectory("slipway-outside");
        File.WriteAllText(Path.Combine(outside.Path, "id_rsa"), "PRIVATE KEY");
        Directory.CreateSymbolicLink(Path.Combine(app.Repo.Path, "web"), outside.Path);
        app.Repo.Commit("web is a link");
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("subdirectory: app", "subdirectory: web"));

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: source.subdirectory: \"web\" leads to " + outside.Path, result.Stderr);
        Assert.Empty(await app.ImagesAsync());
    }

    [Fact]
    public async Task A_link_inside_the_app_that_leads_out_of_it_is_refused_naming_it()
    {
        await using var app = new LocalApp("symfile");
        File.CreateSymbolicLink(Path.Combine(app.Repo.Path, "app", "passwd"), "/etc/passwd");
        app.Repo.Commit("a link out");

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: build context: passwd is a link to /etc/passwd, outside the source tree", result.Stderr);
        Assert.Empty(await app.ImagesAsync());
    }

    [Fact]
    public async Task Dockerignore_is_honoured_and_a_secrets_file_never_reaches_the_image()
    {
        await using var app = new LocalApp("ignore");
        app.Repo.Write("app/.dockerignore", "notes/\n*.bak\n");
        app.Repo.Write("app/notes/todo.txt", "private notes");
        app.Repo.Write("app/app.py.bak", "old");
        app.Repo.Commit("ignored files");
        var secretFile = Path.Combine(app.Repo.Path, "app", "token.txt"); // beside the app, not committed
        File.WriteAllText(secretFile, "file-secret-" + Guid.NewGuid().ToString("N"));
        app.WriteManifest(extra: $"secrets:\n  API_TOKEN:\n    fromFile: {secretFile}\n");

        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Contains("warning: secrets.API_TOKEN: token.txt is inside the build context; it was left out of the image", up.Stderr);
        var files = (await app.GetAsync("/files")).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("app.py", files);
        Assert.DoesNotContain("token.txt", files);
        Assert.DoesNotContain("notes/todo.txt", files);
        Assert.DoesNotContain("app.py.bak", files);
        Assert.Equal(File.ReadAllText(secretFile).Length.ToString(), (await app.GetAsync("/secret-length")).Body); // it reaches the app as env
    }

    [Fact]
    public async Task A_secret_holding_a_nul_byte_is_refused_and_its_value_is_shown_or_stored_nowhere()
    {
        await using var app = new LocalApp("nul");
        var secretFile = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "db-password");
        var value = "hunter2-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(secretFile, value + "\0tail");
        app.WriteManifest(extra: $"secrets:\n  DB_PASSWORD:\n    fromFile: {secretFile}\n");

        var up = await app.RunAsync("up");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains("error: secrets.DB_PASSWORD: the value holds a NUL byte", up.Stderr);
        Assert.DoesNotContain(value, up.All);
        Assert.Empty(await app.ContainersAsync());
        Assert.Equal("[]", (await app.RunAsync("releases", "--json")).Stdout.Trim()); // bad input is not a deploy: nothing recorded
    }

    [Fact]
    public async Task A_port_answers_for_its_own_app_whatever_port_the_host_header_names()
    {
        using var dir = new TempDirectory("slipway-edge-sec");
        await using var edge = await EdgeHost.StartAsync(Path.Combine(dir.Path, "edge"));
        await using var shop = await TestBackend.StartAsync("shop");
        await using var admin = await TestBackend.StartAsync("admin");
        var (shopPort, adminPort) = (FreePort.Next(), FreePort.Next());
        var health = new EdgeHealthSettings("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 1, 2);
        await edge.Client.DeployAsync("shop", new DeployArgs("s1", shopPort, null, [new EdgeTarget("shop", shop.Address)], health, TimeSpan.FromSeconds(30), TimeSpan.Zero), Ct);
        await edge.Client.DeployAsync("admin", new DeployArgs("a1", adminPort, "admin.localhost", [new EdgeTarget("admin", admin.Address)], health, TimeSpan.FromSeconds(30), TimeSpan.Zero), Ct);

        async Task<string> GetAsync(int port, string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/");
            request.Headers.Host = host;
            using var response = await Http.Client.SendAsync(request, Ct);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        }

        Assert.Equal("200 backend shop", await GetAsync(shopPort, $"admin.localhost:{adminPort}")); // the Host header's port is not a way in
        Assert.Equal("200 backend shop", await GetAsync(shopPort, $"anything:{adminPort}"));
        Assert.Equal("200 backend admin", await GetAsync(adminPort, "admin.localhost")); // a Host without a port, as a proxy in front sends
        Assert.StartsWith("404", await GetAsync(adminPort, $"other.localhost:{shopPort}"));
    }

    [Fact]
    public void A_health_path_never_sends_the_probe_to_another_host()
    {
        var probe = HealthProbe.ProbeUri("http://127.0.0.1:5000", "//evil.example:80/");
        Assert.Equal("127.0.0.1", probe.Host);
        Assert.Equal(5000, probe.Port);
        Assert.Equal(new Uri("http://127.0.0.1:5000/healthz"), HealthProbe.ProbeUri("http://127.0.0.1:5000/", "/healthz"));
    }

    [Theory]
    [InlineData("//127.0.0.1:19500/")]
    [InlineData("/health check")]
    [InlineData("\\\\evil")]
    public async Task A_health_path_that_is_not_a_plain_absolute_path_is_refused(string path)
    {
        await using var app = new LocalApp("hpath");
        app.WriteManifest(healthPath: JsonSerializer.Serialize(path));

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("healthCheck.path: ", result.Stderr);
        Assert.Contains("must be an absolute path on the replica", result.Stderr);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_state_directory_and_everything_in_it_is_private_to_the_user()
    {
        await using var app = new LocalApp("modes");
        Directory.CreateDirectory(app.Cli.StateDirectory);
        File.SetUnixFileMode(app.Cli.StateDirectory, (UnixFileMode)0b111_101_101); // 0755, as an older version left it
        // A ref makes Slipway clone the repository into its cache.
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("  subdirectory: app", "  subdirectory: app\n  ref: main"));

        var up = await app.RunAsync("up");

        up.Succeeded();
        var open = Directory.EnumerateFileSystemEntries(app.Cli.StateDirectory, "*", SearchOption.AllDirectories)
            .Append(app.Cli.StateDirectory)
            .Where(p => new FileInfo(p).LinkTarget is null)
            .Where(p => (File.GetUnixFileMode(p) & (UnixFileMode)0b000_111_111) != 0)
            .Select(p => $"{Path.GetRelativePath(app.Cli.StateDirectory, p)} {Convert.ToString((int)File.GetUnixFileMode(p), 8)}")
            .ToList();
        Assert.Empty(open);
        Assert.Contains(Directory.EnumerateFiles(app.Cli.StateDirectory, "config", SearchOption.AllDirectories), p => p.Contains(".git")); // the cache was made
    }

    [Fact]
    public async Task A_git_url_is_never_parsed_as_an_option()
    {
        await using var app = new LocalApp("gitopt");
        var marker = Path.Combine(Path.GetTempPath(), $"slipway-pwned-{Guid.NewGuid():N}");
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath)
            .Replace("path: ../repo\n  subdirectory: app", $"git: \"--upload-pack=touch {marker}\""));

        var result = await app.RunAsync("up");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: cannot clone --upload-pack=", result.Stderr);
        Assert.False(File.Exists(marker), "git ran the upload-pack given as a URL");
    }

    [Fact]
    public async Task Credentials_in_a_git_url_are_never_printed_or_stored()
    {
        await using var app = new LocalApp("token");
        var token = "ghp_" + Guid.NewGuid().ToString("N");
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath)
            .Replace("path: ../repo\n  subdirectory: app", $"git: \"http://deploy:{token}@127.0.0.1:{FreePort.Next()}/repo.git\""));

        var up = await app.RunAsync("up");

        Assert.Equal(1, up.ExitCode);
        Assert.Contains("error: cannot clone http://127.0.0.1:", up.Stderr);
        await AssertNowhereAsync(app, token, up);
        Assert.False(Directory.Exists(Path.Combine(app.Cli.StateDirectory, "sources")) &&
                     Directory.EnumerateFileSystemEntries(Path.Combine(app.Cli.StateDirectory, "sources")).Any(), "a failed clone left a cache behind");
    }

    [Fact]
    public async Task Replicas_are_limited_and_one_apps_replicas_cannot_reach_anothers()
    {
        await using var app = new LocalApp("iso");
        await using var other = new LocalApp("iso2", app.Cli.StateDirectory);
        app.WriteManifest(extra: "resources:\n  memory: 300Mi\n  pids: 200\n");
        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.DoesNotContain("run as root", up.Stderr);
        var otherDockerfile = Path.Combine(Path.GetDirectoryName(other.ManifestPath)!, "Dockerfile");
        File.WriteAllText(otherDockerfile, File.ReadAllText(otherDockerfile).Replace("USER nobody\n", ""));
        var rootUp = await other.RunAsync("up");
        rootUp.Succeeded();
        Assert.Contains("warning: the replicas run as root: add a USER line to the Dockerfile, or set user: in the manifest", rootUp.Stderr);

        using var engine = TestEngine.Create();
        var replica = (await app.ContainersAsync())[0];
        var target = await engine.InspectContainerAsync((await other.ContainersAsync())[0].Id, Ct);
        var direct = await Http.Client.GetStringAsync($"http://127.0.0.1:{target!.HostPort}/", Ct); // the host reaches it...
        Assert.StartsWith("version", direct);
        var details = System.Text.Json.Nodes.JsonNode.Parse(await DockerAsync("inspect", replica.Id))![0]!;
        Assert.Equal(300L << 20, (long)details["HostConfig"]!["Memory"]!);
        Assert.Equal(200, (long)details["HostConfig"]!["PidsLimit"]!);
        Assert.Equal($"slipway-{app.Name}", (string?)details["HostConfig"]!["NetworkMode"]);
        Assert.Equal("65534", (await DockerAsync("exec", replica.Id, "id", "-u")).Trim()); // the image's USER, not root
        var otherAddress = (string?)System.Text.Json.Nodes.JsonNode.Parse(await DockerAsync("inspect", target.Id))![0]!["NetworkSettings"]!["Networks"]!
            [$"slipway-{other.Name}"]!["IPAddress"];
        // ...but a replica of another app does not (python, since the image has no curl).
        var probe = await DockerAsync("exec", replica.Id, "python3", "-c",
            $"import socket\ntry:\n socket.create_connection(('{otherAddress}', 8000), timeout=3); print('reached')\nexcept OSError: print('blocked')");
        Assert.Equal("blocked", probe.Trim());
    }

    private static async Task<string> DockerAsync(params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker", args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return output;
    }

    [Fact]
    public async Task Hooks_get_only_the_slipway_variables_never_the_clis_environment()
    {
        await using var app = new LocalApp("hookenv");
        var secret = "hook-secret-" + Guid.NewGuid().ToString("N");
        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: SEC_API_TOKEN\nhooks:\n  postDeploy: env | sort\n");

        var up = await app.RunAsync(new Dictionary<string, string> { ["SEC_API_TOKEN"] = secret, ["UNRELATED_CLI_VARIABLE"] = "x" }, "up");

        up.Succeeded();
        Assert.Contains($"postDeploy | SLIPWAY_APP={app.Name}", up.Stderr);
        Assert.Contains("postDeploy | PATH=", up.Stderr);
        Assert.DoesNotContain("SEC_API_TOKEN", up.Stderr);
        Assert.DoesNotContain("UNRELATED_CLI_VARIABLE", up.Stderr);
        Assert.DoesNotContain(secret, up.All);
    }
}
