using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Local;

/// <summary>
/// The app's processes beside the web one (workers): started with each new release before traffic moves, judged
/// healthy once they keep running for their <c>healthy</c> time (or pass their check), and the old release's
/// stopped only after the cut-over. A new release whose process dies first is rejected; the old processes keep running.
/// </summary>
internal sealed class LocalProcesses(DockerEngine engine, TimeProvider time)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static bool IsProcess(ContainerSummary container) => container.Labels.ContainsKey(ReleaseLabels.Process);

    /// <summary>Starts every process of <paramref name="version"/>; each container is added to <paramref name="created"/> as soon as it exists.</summary>
    /// <param name="labels">The release's labels (app, version, owner, fingerprint), which every process container carries too.</param>
    public async Task<IReadOnlyList<(ProcessSpec Process, string Id, string Name)>> StartAsync(AppManifest app, string version,
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> environment, System.Collections.Concurrent.ConcurrentBag<string> created, IStageLog log, CancellationToken ct)
    {
        var started = new List<(ProcessSpec, string, string)>();
        foreach (var process in app.Processes)
        {
            for (var index = 1; index <= process.Replicas; index++)
            {
                var name = $"{app.App}-{version}-{process.Name}-{index}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..4]}";
                var spec = ReleaseContainers.Spec(app, version, name, new Dictionary<string, string>(labels) { [ReleaseLabels.Process] = process.Name }, environment) with { PublishPort = false, Command = process.Command };
                var id = await engine.CreateContainerAsync(spec, ct);
                created.Add(id);
                try
                {
                    await engine.StartContainerAsync(id, ct);
                }
                catch (EngineApiException e)
                {
                    throw new SlipwayException(ErrorCode.ReleaseUnhealthy,
                        $"release rejected: process {process.Name} could not start: {e.Message.Split('\n')[0]}{Environment.NewLine}  the previous release keeps serving",
                        $"fix processes.{process.Name}.command: its program must exist in the image");
                }
                log.Info($"process {process.Name} {name} started");
                started.Add((process, id, name));
            }
        }
        return started;
    }

    /// <summary>
    /// Waits until every new process is healthy: still running after its healthy time, or its check succeeding inside
    /// it. Returns the first that died instead (with its exit code), or null when all are healthy.
    /// </summary>
    public async Task<(string Id, string Name, ProcessSpec Process, int ExitCode)?> GateAsync(
        IReadOnlyList<(ProcessSpec Process, string Id, string Name)> started, DateTimeOffset since, TimeSpan checkLimit, CancellationToken ct)
    {
        if (started.Count == 0) return null;
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var died = engine.WaitForFirstDeathAsync(started.Select(s => s.Id).ToList(), since, watch.Token);
        var healthy = Task.WhenAll(started.Select(s => HealthyAsync(s.Process, s.Id, checkLimit, watch.Token)));
        var first = await Task.WhenAny(died, healthy);
        await watch.CancelAsync();
        if (first == healthy)
        {
            try { await died; } catch (OperationCanceledException) { /* nothing died */ }
            await healthy; // a check that never passed throws here
            return null;
        }
        var (id, code) = await died;
        var dead = started.First(s => s.Id.StartsWith(id, StringComparison.Ordinal) || id.StartsWith(s.Id, StringComparison.Ordinal));
        return (dead.Id, dead.Name, dead.Process, code);
    }

    private async Task HealthyAsync(ProcessSpec process, string id, TimeSpan checkLimit, CancellationToken ct)
    {
        if (process.Check is not { } check)
        {
            await Task.Delay(process.Healthy, time, ct);
            return;
        }
        await Poll.UntilAsync(async token => await engine.ExecAsync(id, check, _ => { }, token) == 0 ? Attempt<bool>.Finished(true) : Attempt<bool>.Pending(false),
            TimeSpan.FromSeconds(1), checkLimit, time, _ => new SlipwayException(ErrorCode.ReleaseUnhealthy,
                $"release rejected: the check of process {process.Name} ({string.Join(' ', check)}) did not succeed within {Duration.Format(checkLimit)}" +
                $"{Environment.NewLine}  the previous release keeps serving",
                $"make processes.{process.Name}.check succeed in a healthy process, or remove it to judge by running time alone"), ct);
    }

    /// <summary>
    /// After the cut-over: every process container but the new release's goes (an older release's, or the same
    /// version's with another command or count), stopped with the same grace as replicas, all at once: a worker that
    /// takes its whole grace to stop holds up no other.
    /// </summary>
    public async Task StopOthersAsync(AppManifest app, IReadOnlySet<string> keep, IStageLog log, CancellationToken ct)
    {
        var others = (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct)).Where(c => IsProcess(c) && !keep.Contains(c.Id));
        var stopped = await Task.WhenAll(others.Select(async container =>
        {
            await engine.StopContainerAsync(container.Id, StopGrace, ct);
            await engine.RemoveContainerAsync(container.Id, ct);
            return container;
        }));
        foreach (var container in stopped.OrderBy(c => c.Name, StringComparer.Ordinal))
            log.Info($"process {container.Labels[ReleaseLabels.Process]} {container.Name} stopped and removed");
    }
}
