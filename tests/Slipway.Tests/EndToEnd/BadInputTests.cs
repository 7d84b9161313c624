using System.Net;
using System.Net.Sockets;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>
/// The bad-input table: each case gets one clear error line naming the problem, a hint, the documented exit
/// code, and changes nothing (no container, no image, no edge proxy started).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadInputTests
{
    /// <param name="Setup">Breaks the otherwise valid app; returns the command line (the manifest is appended unless -f is given).</param>
    public sealed record Case(string Name, int ExitCode, string Message, Func<LocalApp, string[]> Setup,
        Dictionary<string, string>? Env = null)
    {
        public override string ToString() => Name;
    }

    private static string[] Edit(LocalApp app, string from, string to)
    {
        var text = File.ReadAllText(app.ManifestPath);
        Assert.Contains(from, text);
        File.WriteAllText(app.ManifestPath, text.Replace(from, to));
        return ["up"];
    }

    private static string[] Append(LocalApp app, string yaml)
    {
        File.AppendAllText(app.ManifestPath, yaml);
        return ["up"];
    }

    public static TheoryData<Case> Cases =>
    [
        new Case("missing manifest", 2, "no manifest at", _ => ["up", "-f", "/nonexistent/slipway.yaml"]),
        new Case("manifest is a folder", 2, "no manifest at", app => ["up", "-f", Path.GetDirectoryName(app.ManifestPath)!]),
        new Case("malformed YAML", 2, "malformed YAML", app => Append(app, "  - : [unclosed\n")),
        new Case("unknown key", 2, "replica: unknown key", app => Append(app, "replica: 3\n")),
        new Case("wrong type: number", 2, "replicas: \"many\" is not a whole number", app => Edit(app, "replicas: 2", "replicas: many")),
        new Case("wrong type: list for a mapping", 2, "healthCheck: must be a mapping of keys", app => Edit(app, "healthCheck:", "healthCheck: [a]\nhealthCheckWas:")),
        new Case("bad duration", 2, "healthCheck.interval: \"soon\" is not a duration", app => Edit(app, "interval: 300ms", "interval: soon")),
        new Case("port out of range", 2, "port: 0 is out of range", app => Edit(app, "port: 8000", "port: 0")),
        new Case("invalid app name", 2, "is not a valid app name", app => Edit(app, $"app: {app.Name}", "app: My_App")),
        new Case("missing Dockerfile", 2, "no Dockerfile at", app => Append(app, "build:\n  dockerfile: nowhere/Dockerfile\n")),
        new Case("unknown git ref", 2, "\"no-such-tag\" is not a branch, tag or commit", app => Edit(app, "  subdirectory: app", "  subdirectory: app\n  ref: no-such-tag")),
        new Case("source path missing", 2, "source.path: no folder at", app => Edit(app, "path: ../repo", "path: ../nothing-here")),
        new Case("source path not a repository", 2, "is not a git repository", app => Edit(app, "path: ../repo", "path: .")),
        new Case("subdirectory missing", 2, "source.subdirectory: \"nowhere\" does not exist", app => Edit(app, "subdirectory: app", "subdirectory: nowhere")),
        new Case("unreachable repository", 1, "cannot clone file:///nonexistent/repo.git", app => Edit(app, "path: ../repo\n  subdirectory: app", "git: file:///nonexistent/repo.git")),
        new Case("secret not set", 2, "secrets.API_TOKEN: environment variable BAD_INPUT_UNSET_TOKEN is not set", app => Append(app, "secrets:\n  API_TOKEN:\n    fromEnv: BAD_INPUT_UNSET_TOKEN\n")),
        new Case("no engine", 1, "no container engine answers at unix:///nonexistent/docker.sock", _ => ["up"],
            new() { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" }),
        new Case("malformed DOCKER_HOST", 2, "DOCKER_HOST: \"ftp://engine\" is neither", _ => ["up"], new() { ["DOCKER_HOST"] = "ftp://engine" }),
        new Case("unwritable state directory", 1, "cannot write the state directory", _ => ["up"], new() { ["SLIPWAY_STATE_DIR"] = "/etc/hostname/state" }),
        new Case("unknown environment", 2, "unknown environment \"prod\"", _ => ["up", "-e", "prod"]),
        new Case("destroy without a terminal or --yes", 2, "needs confirmation", _ => ["destroy"]),
        new Case("rollback with nothing deployed", 2, "has no previous release", _ => ["rollback", "--no-check"]),
        new Case("unknown option", 2, "--replicas", _ => ["up", "--replicas", "3"]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_one_clear_line_with_a_hint_and_changes_nothing(Case bad)
    {
        await using var app = new LocalApp("bad");
        var args = bad.Setup(app);
        if (!args.Contains("-f")) args = [.. args, "-f", app.ManifestPath];

        var result = await app.Cli.RunAsync(args, bad.Env, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == bad.ExitCode, $"expected exit {bad.ExitCode}, got {result.ExitCode}: {result.All}");
        var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(bad.Message, error);
        Assert.Contains("\nhint: ", "\n" + result.Stderr);
        Assert.Empty(result.Stdout);
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
        Assert.False(File.Exists(Path.Combine(app.Cli.StateDirectory, "edge", "control.sock")), "an edge proxy was started");
    }

    [Fact]
    public async Task A_port_taken_by_another_program_is_refused_before_anything_starts()
    {
        await using var app = new LocalApp("port");
        using var squatter = new TcpListener(IPAddress.Loopback, app.Port);
        squatter.Start();

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: edge.port: port {app.Port} is in use by another program", result.Stderr);
        Assert.Contains("hint: ", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
        Assert.False(File.Exists(Path.Combine(app.Cli.StateDirectory, "edge", "control.sock")), "an edge proxy was started");
    }

    [Fact]
    public async Task An_edge_that_holds_its_lock_but_does_not_answer_is_not_taken_for_another_program()
    {
        await using var app = new LocalApp("busy");
        var edgeDirectory = Path.Combine(app.Cli.StateDirectory, "edge");
        Directory.CreateDirectory(edgeDirectory);
        // A stuck edge: its instance lock is held, its port is bound, its control socket never answers.
        using var instanceLock = new FileStream(Path.Combine(edgeDirectory, "edge.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var port = new TcpListener(IPAddress.Loopback, app.Port);
        port.Start();

        var result = await app.RunAsync("up");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("the edge proxy is running", error);
        Assert.DoesNotContain("another program", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }

    /// <summary>Every command and subcommand, walked from the CLI's own command tree so a new one cannot be missed.</summary>
    public static TheoryData<string> Commands()
    {
        var all = new TheoryData<string>();
        void Walk(System.CommandLine.Command command, string path)
        {
            foreach (var sub in command.Subcommands)
            {
                var name = (path + " " + sub.Name).Trim();
                all.Add(name);
                Walk(sub, name);
            }
        }
        Walk(Slipway.Cli.Program.CreateRoot(), "");
        return all;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_is_everywhere(string command)
    {
        var cli = new SlipwayCli(Path.GetTempPath());
        var result = await cli.RunAsync([.. command.Split(' '), "--help"], null, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"Usage:\n  slipway {command}", result.Stdout.Replace("\r", ""));
        Assert.Contains("Options:", result.Stdout);
        Assert.Empty(result.Stderr);
    }
}

public sealed class AwsAppScriptTests
{
    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    [Theory]
    [InlineData("--help", 0, "./aws-app.sh --destroy")]
    [InlineData("--deploy-everything", 2, "error: unknown argument '--deploy-everything'")]
    public async Task The_original_interface_explains_itself_and_refuses_unknown_arguments(string argument, int exitCode, string expected)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(RepoRoot(), "aws-app.sh"), argument])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)
                     + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(expected, output);
    }
}
