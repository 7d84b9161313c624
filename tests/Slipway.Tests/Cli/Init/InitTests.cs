using Slipway.Platforms;
using Slipway.Platforms.Images;
using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Cli.Init;

/// <summary><c>slipway init</c> then <c>slipway up</c>, unchanged, on a Flask app: the first five minutes, through the real CLI and engine.</summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class InitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Init_writes_what_up_deploys_unchanged_and_never_overwrites_without_force()
    {
        using var dir = new TempDirectory("slipway-init");
        var name = $"init{Guid.NewGuid():N}"[..10];
        var repo = GitRepo.Init(Path.Combine(dir.Path, name));
        repo.Write("requirements.txt", "flask\n").Write("app.py", TestEngine.FlaskApp);
        repo.Commit("a flask app");
        var cli = new SlipwayCli(Path.Combine(dir.Path, "state"));
        var port = FreePort.Next();
        var manifest = Path.Combine(repo.Path, "slipway.yaml");
        try
        {
            var init = await cli.RunAsync(["init", repo.Path, "--base-image", TestEngine.BaseImage, "--no-install", "--edge-port", port.ToString()], null, Ct);
            init.Succeeded();
            Assert.Contains("detected Python, Flask, served by gunicorn", init.Stderr);
            Assert.Contains("app.py creates app = Flask(...): gunicorn app:app", init.Stderr);
            repo.Commit("slipway init");

            var up = await cli.RunAsync(["up", "-f", manifest], null, Ct);

            up.Succeeded();
            using var response = await Http.Client.GetAsync($"http://127.0.0.1:{port}/", Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("run as root", up.Stderr); // the Dockerfile init wrote runs as nobody

            // Run again, init finds the Dockerfile it wrote (and would use it): the manifest is what it would overwrite.
            var before = File.ReadAllText(manifest);
            var again = await cli.RunAsync(["init", repo.Path], null, Ct);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("error: init: slipway.yaml already exists", again.Stderr);
            Assert.Equal(before, File.ReadAllText(manifest));
            Assert.Contains("hint: pass --force to overwrite", again.Stderr);
        }
        finally
        {
            await cli.RunAsync(["destroy", "--yes", "-f", manifest], null, CancellationToken.None);
            await cli.RemoveEdgeAsync();
            await Leftovers.RemoveAsync(ReleaseLabels.ForApp(name));
        }
    }
}
