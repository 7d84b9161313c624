using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// A one-off command in a release's image on a swarm (the release command, <c>run</c>): a service of one task that is never
/// restarted, placed by the swarm like any other, with the release's environment and secrets and no route; waited for until
/// its task ends, its output then shown from the service's log, and removed whatever happens.
/// </summary>
public sealed class SwarmOneOff(DockerEngine engine, TimeProvider time)
{
    public const string Label = "slipway.swarm.oneoff";
    private readonly SwarmServices _services = new(engine, time);

    /// <summary>The one-off's spec, from the release's: one task, run once, the command given, on the app's network only.</summary>
    public static SwarmServiceSpec Spec(SwarmServiceSpec release, IReadOnlyList<string> command, IReadOnlyList<string>? imageEntrypoint,
        IReadOnlyCollection<string> secrets, string suffix) =>
        SwarmReleases.Derived(release, $"{release.Name}-{suffix}", new Dictionary<string, string> { [Label] = suffix }, command, imageEntrypoint, secrets) with
        {
            Replicas = 1,
            RunOnce = true,
            HealthCheck = null,
        };

    /// <summary>Runs the spec's one task to its end, its output through <paramref name="onLine"/>; returns its exit code.</summary>
    public async Task<int> RunAsync(SwarmServiceSpec spec, Action<string> onLine, CancellationToken ct)
    {
        await _services.StopAndRemoveAsync(spec.Name, ct); // a leftover of an interrupted run of the same name
        await engine.CreateServiceAsync(spec, ct);
        try
        {
            var ended = await Poll.UntilAsync(async token =>
            {
                var task = (await engine.ListTasksAsync(spec.Name, token)).FirstOrDefault(t => t.State is "complete" or "failed" or "rejected" or "shutdown");
                return new Attempt<SwarmTask?>(task is not null, task);
            }, TimeSpan.FromMilliseconds(300), TimeSpan.MaxValue, time, _ => new InvalidOperationException("unreachable"), ct); // the caller's token bounds it
            if (ended!.State == "rejected")
                throw new SlipwayException(ErrorCode.HookFailed, $"the swarm could not start the one-off task of {spec.Name}: {ended.Error}",
                    $"see docker service ps {spec.Name} on the manager: a node may not pull from the registry");
            var lines = new List<(DateTimeOffset At, string Text)>();
            await engine.StreamServiceLogsAsync(spec.Name, null, null, follow: false, (at, _, text) => lines.Add((at, text)), ct);
            foreach (var (_, text) in lines.OrderBy(l => l.At)) onLine(text);
            return ended.ExitCode ?? (ended.State == "complete" ? 0 : 1);
        }
        finally
        {
            await _services.StopAndRemoveAsync(spec.Name, CancellationToken.None);
        }
    }
}
