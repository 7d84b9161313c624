using Slipway.Tests.Support;

namespace Slipway.Tests.Cli;

/// <summary>A full disk under the state directory is named as such, never taken for a damaged history that should be moved away.</summary>
[Trait("Tier", "engine")]
public sealed class FullDiskTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_state_disk_says_the_disk_is_full_and_keeps_the_history()
    {
        using var disk = SmallDisk.Mount("512k");
        var cli = new SlipwayCli(Path.Combine(disk.Path, "state"));
        var manifest = Path.Combine(RepositoryRoot.Path, "examples", "hello-flask", "slipway.yaml");
        (await cli.RunAsync(["destroy", "--yes", "-f", manifest], ct: Ct)).Succeeded(); // writes the history's first row
        disk.Fill();

        var releases = await cli.RunAsync(["releases", "-f", manifest], ct: Ct);

        Assert.Equal(1, releases.ExitCode);
        Assert.Contains("error: the disk is full", releases.Stderr);
        Assert.DoesNotContain("history.db out", releases.Stderr);
        Assert.True(File.Exists(Path.Combine(cli.StateDirectory, "history.db")));
    }
}
