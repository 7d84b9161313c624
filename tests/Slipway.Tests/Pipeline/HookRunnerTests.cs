using Microsoft.Extensions.Time.Testing;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Pipeline;
using Slipway.Tests.Support;

namespace Slipway.Tests.Pipeline;

/// <summary>Hooks run by a real shell; their time limit is on the injected clock, so a test moves time instead of waiting ten minutes.</summary>
[Trait("Tier", "unit")]
public sealed class HookRunnerTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-hooks");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AppManifest App() => Support.Manifests.Parse("app: shop\nsource:\n  git: x\n", Path.Combine(_dir.Path, "slipway.yaml"));

    [Fact]
    public async Task A_hook_sees_only_slipways_variables_and_its_output_is_shown()
    {
        // A variable of this process (a secret the CLI was given) that the hook must not see; no other test reads it.
        Environment.SetEnvironmentVariable("HOOK_TEST_SECRET_7F3A", "leaked");
        var log = new RecordingLog();
        try
        {
            await new HookRunner(TimeProvider.System).RunAsync(App(), "preBuild",
                "echo \"$SLIPWAY_APP $SLIPWAY_VERSION $SLIPWAY_PREVIOUS_VERSION ${HOOK_TEST_SECRET_7F3A:-none}\"", "v2", "v1", log, Ct);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HOOK_TEST_SECRET_7F3A", null);
        }

        Assert.Contains("  preBuild | shop v2 v1 none", log.Lines);
    }

    [Fact]
    public async Task A_hook_past_its_time_limit_is_stopped_and_named()
    {
        var time = new FakeTimeProvider();
        var started = Path.Combine(_dir.Path, "started");
        var run = new HookRunner(time).RunAsync(App(), "preCutover", $"touch {started}; sleep 60", "v2", null, new RecordingLog(), Ct);
        await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(started)), TimeSpan.FromSeconds(20), "the hook started");

        time.Advance(HookRunner.Timeout);

        var error = await Assert.ThrowsAsync<SlipwayException>(() => run);
        Assert.Equal(ErrorCode.HookFailed, error.Code);
        Assert.Contains("hook preCutover did not finish within 10m", error.Message);
    }

    [Fact]
    public async Task A_hook_interrupted_as_it_starts_is_stopped_with_all_it_started()
    {
        // Interrupts land at different points of the hook's start (before and after its guard is ready); wherever one
        // lands, the hook's session ends with the run. A hook that outlived it would touch its file after the sleep.
        for (var i = 0; i < 30; i++)
        {
            var done = Path.Combine(_dir.Path, $"done-{i}");
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            interrupt.CancelAfter(TimeSpan.FromMilliseconds(i / 2.0));
            var run = new HookRunner(TimeProvider.System).RunAsync(App(), "preBuild", $"sleep 2; touch {done}", "v2", null, new RecordingLog(), interrupt.Token);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.False(File.Exists(done), $"the hook interrupted after {i / 2.0} ms ran on to its end");
        }
    }

    public void Dispose() => _dir.Dispose();
}
