using Slipway.Tests.Support;

namespace Slipway.Tests.Architecture;

/// <summary>
/// A platform is one module and one registration: the folder platform (tests/Slipway.TestPlatform), registered in one line
/// beside the built-in ones, runs up, status and destroy through the real CLI, its manifest section validated like any.
/// </summary>
[Trait("Tier", "engine")]
public sealed class APlatformIsOneRegistrationTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-folder-platform");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SlipwayCli Cli => new(Path.Combine(_dir.Path, "state"), program: "slipway-with-folder-platform.dll");

    private string Manifest(string folder)
    {
        var repo = GitRepo.Init(Path.Combine(_dir.Path, "app"))
            .Write("Dockerfile", "FROM scratch\n")
            .Write("slipway.yaml", $"app: shelf\nsource: {{ path: . }}\nfolder: {{ path: {folder} }}\n");
        repo.Commit("first");
        return Path.Combine(repo.Path, "slipway.yaml");
    }

    [Fact]
    public async Task A_platform_registered_in_one_line_runs_up_status_and_destroy_through_the_cli()
    {
        var manifest = Manifest("../served"); // beside the repository: a release written into it would be a change to deploy
        var release = Path.Combine(_dir.Path, "served", "release.json");

        var up = await Cli.RunAsync(["up", "-e", "folder", "-f", manifest, "--no-check"], null, Ct);
        up.Succeeded();
        Assert.True(File.Exists(release), up.Stderr);

        var status = await Cli.RunAsync(["status", "-e", "folder", "-f", manifest], null, Ct);
        status.Succeeded();
        Assert.Contains("(folder, folder)", status.Stdout);
        Assert.Contains("replicas: 1/1 healthy", status.Stdout);
        Assert.Contains("last:     deploy", status.Stdout); // its runs are recorded like any platform's

        var again = await Cli.RunAsync(["up", "-e", "folder", "-f", manifest, "--no-check"], null, Ct);
        again.Succeeded();
        Assert.Contains("nothing to do", again.Stderr); // the pipeline judges it by its fingerprint, as it does every platform

        (await Cli.RunAsync(["destroy", "-e", "folder", "-f", manifest, "--yes"], null, Ct)).Succeeded();
        Assert.False(File.Exists(release));
    }

    [Fact]
    public async Task Its_manifest_section_is_validated_with_an_error_naming_the_key()
    {
        var result = await Cli.RunAsync(["status", "-e", "folder", "-f", Manifest("/abs")], null, Ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("folder.path: \"/abs\" is absolute", result.Stderr);
    }

    [Fact]
    public async Task The_program_without_the_registration_knows_no_such_platform()
    {
        var result = await new SlipwayCli(Path.Combine(_dir.Path, "state")).RunAsync(["status", "-e", "folder", "-f", Manifest("served")], null, Ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown environment \"folder\"", result.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
