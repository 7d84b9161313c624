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

    /// <summary>
    /// Pure: a one-off that runs <paramref name="command"/> in <paramref name="task"/>'s container on that task's node, whose
    /// engine answers only there: the edge's image (which has the engine client) with the node's engine socket mounted, run once.
    /// </summary>
    public static SwarmServiceSpec ExecOnNode(string serviceName, string app, SwarmTask task, string edgeImage, string engineSocket,
        IReadOnlyList<string> command, string suffix) => new()
    {
        Name = $"{serviceName}-{suffix}",
        Image = edgeImage,
        Replicas = 1,
        RunOnce = true,
        Labels = new Dictionary<string, string>(ReleaseLabels.ForApp(app)) { [Label] = suffix },
        Constraints = [$"node.id=={task.NodeId}"],
        Binds = [(engineSocket, "/var/run/docker.sock")],
        Command = ["exec", task.ContainerId ?? throw new ArgumentException("the task has no container yet", nameof(task)), "--", .. command],
        OnlyCapabilities = [],
    };

    /// <summary>The most piped input a one-off takes: what one Swarm secret holds (500 KiB).</summary>
    public const int MaxInput = 500 * 1024;

    /// <summary>Where a one-off's piped input is, in its container.</summary>
    public const string InputFile = "slipway-stdin";

    /// <summary>
    /// Pure: the one-off reading its stdin from <paramref name="input"/> (a Swarm secret holding the piped input): the swarm keeps
    /// a task's stdin open for good (it has no stdin-once), so a command reading piped input from it would never see its end.
    /// The program is the spec's own (the secrets' wrapper), else the image's ENTRYPOINT and the command.
    /// </summary>
    public static SwarmServiceSpec WithInput(SwarmServiceSpec spec, SecretReference input, IReadOnlyList<string> imageEntrypoint)
    {
        IReadOnlyList<string> program = spec.Entrypoint is { } wrapped ? [.. wrapped, .. spec.Command ?? []] : [.. imageEntrypoint, .. spec.Command ?? []];
        return spec with
        {
            Entrypoint = ["/bin/sh", "-c", $"exec \"$@\" < /run/secrets/{input.FileName}", "slipway-stdin", .. program],
            Command = null,
            Secrets = [.. spec.Secrets, input],
        };
    }

    /// <summary>The piped input, whole; refused with one line when it is more than <see cref="MaxInput"/>.</summary>
    public static async Task<byte[]> ReadInputAsync(Stream input, CancellationToken ct)
    {
        using var kept = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            if (kept.Length + read > MaxInput)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"run -i: the input is over {MaxInput / 1024} KiB, the most a swarm secret holds (the swarm passes piped input as one)",
                    "pass a smaller input, or give the command its data another way (a URL it fetches, or a terminal with -it)");
            kept.Write(buffer, 0, read);
        }
        return kept.ToArray();
    }

    /// <summary>
    /// Runs the spec's one task with a terminal joined to the user's (<c>run -t</c>): placed on the manager Slipway talks to,
    /// whose engine can attach to its container, and attached as soon as it runs (its output so far replayed). The user's
    /// input goes to its terminal; the task's end ends the run. Returns its exit code.
    /// </summary>
    public async Task<int> RunAttachedAsync(SwarmServiceSpec spec, string managerNodeId, Platforms.Attachment attach, CancellationToken ct)
    {
        spec = spec with { Constraints = [.. spec.Constraints, $"node.id=={managerNodeId}"], Terminal = true };
        await _services.StopAndRemoveAsync(spec.Name, ct);
        await engine.CreateServiceAsync(spec, ct);
        try
        {
            var started = await TaskOfAsync(spec.Name, t => t is { ContainerId: not null, State: "running" or "complete" or "failed" } || t.State is "rejected",
                TimeSpan.FromMilliseconds(200), ct);
            if (started.State == "rejected") throw NotStarted(spec, started);
            var received = false;
            SwarmTask ended;
            await using (var stream = await engine.AttachAsync(started.ContainerId!, ct, replay: true))
            {
                if (attach.Size is var (height, width))
                {
                    try { await engine.ResizeAsync(started.ContainerId!, height, width, ct); }
                    catch (EngineApiException) { /* it ended already */ }
                }
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await attach.Input.CopyToAsync(stream, ct);
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
                    {
                        // The task ended first, or the run was interrupted.
                    }
                }, CancellationToken.None);
                async Task PumpAsync()
                {
                    var buffer = new byte[16 * 1024];
                    int read;
                    while ((read = await stream.ReadAsync(buffer, ct)) > 0)
                    {
                        received = true;
                        await attach.Output.WriteAsync(buffer.AsMemory(0, read), ct); // one raw stream, as a terminal shows it
                        await attach.Output.FlushAsync(ct);
                    }
                }
                var pump = PumpAsync();
                // The task's end ends the run: an attach made as its container exited may never close on its own.
                ended = await TaskOfAsync(spec.Name, t => t.State is "complete" or "failed" or "shutdown", TimeSpan.FromMilliseconds(200), ct);
                await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(2), time, ct)); // what is left in transit
            }
            if (!received)
                // It ended before the attach reached it: its output is in its log.
                await engine.StreamLogsAsync(started.ContainerId!, since: null, tail: null, follow: false,
                    (_, line) => attach.Output.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n")), ct);
            return ExitCodeOf(ended);
        }
        finally
        {
            await _services.StopAndRemoveAsync(spec.Name, CancellationToken.None);
        }
    }

    /// <summary>Runs the spec's one task to its end, its output through <paramref name="onLine"/>; returns its exit code.</summary>
    public async Task<int> RunAsync(SwarmServiceSpec spec, Action<string> onLine, CancellationToken ct)
    {
        await _services.StopAndRemoveAsync(spec.Name, ct); // a leftover of an interrupted run of the same name
        await engine.CreateServiceAsync(spec, ct);
        try
        {
            var ended = await TaskOfAsync(spec.Name, t => t.State is "complete" or "failed" or "rejected" or "shutdown", TimeSpan.FromMilliseconds(300), ct);
            if (ended.State == "rejected") throw NotStarted(spec, ended);
            var lines = new List<(DateTimeOffset At, string Text)>();
            await engine.StreamServiceLogsAsync(spec.Name, null, null, follow: false, (at, _, text) => lines.Add((at, text)), ct);
            foreach (var (_, text) in lines.OrderBy(l => l.At)) onLine(text);
            return ExitCodeOf(ended);
        }
        finally
        {
            await _services.StopAndRemoveAsync(spec.Name, CancellationToken.None);
        }
    }

    /// <summary>The first task of the one-off service that <paramref name="matches"/>, looked for every <paramref name="interval"/>; the caller's token bounds it.</summary>
    private async Task<SwarmTask> TaskOfAsync(string service, Func<SwarmTask, bool> matches, TimeSpan interval, CancellationToken ct) =>
        (await Poll.UntilAsync(async token =>
        {
            var task = (await engine.ListTasksAsync(service, token)).FirstOrDefault(matches);
            return new Attempt<SwarmTask?>(task is not null, task);
        }, interval, TimeSpan.MaxValue, time, _ => new InvalidOperationException("unreachable"), ct))!;

    private static SlipwayException NotStarted(SwarmServiceSpec spec, SwarmTask task) =>
        new(ErrorCode.HookFailed, $"the swarm could not start the one-off task of {spec.Name}: {task.Error}",
            $"see docker service ps {spec.Name} on the manager: a node may not pull from the registry");

    private static int ExitCodeOf(SwarmTask ended) => ended.ExitCode ?? (ended.State == "complete" ? 0 : 1);
}
