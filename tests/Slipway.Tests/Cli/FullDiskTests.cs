using System.Diagnostics;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli;

/// <summary>A full disk under the state directory is named as such, never taken for a damaged history that should be moved away.</summary>
[Trait("Tier", "engine")]
public sealed class FullDiskTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    [Fact]
    public async Task A_full_state_disk_says_the_disk_is_full_and_keeps_the_history()
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a small disk needs root");
        using var dir = new TempDirectory("slipway-fulldisk");
        Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir.Path);
        try
        {
            var cli = new SlipwayCli(Path.Combine(dir.Path, "state"));
            var manifest = Path.Combine(RepositoryRoot.Path, "examples", "hello-flask", "slipway.yaml");
            (await cli.RunAsync(["destroy", "--yes", "-f", manifest], ct: Ct)).Succeeded(); // writes the history's first row
            await using (var fill = File.Create(Path.Combine(dir.Path, "fill")))
            {
                try { while (true) fill.Write(new byte[64 * 1024]); }
                catch (IOException) { }
            }

            var releases = await cli.RunAsync(["releases", "-f", manifest], ct: Ct);

            Assert.Equal(1, releases.ExitCode);
            Assert.Contains("error: the disk is full", releases.Stderr);
            Assert.DoesNotContain("history.db out", releases.Stderr);
            Assert.True(File.Exists(Path.Combine(cli.StateDirectory, "history.db")));
        }
        finally
        {
            Run("umount", dir.Path);
        }
    }
}
