using System.Collections.Concurrent;
using System.Diagnostics;
using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Foundation.Networking;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Engine;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Local;

/// <summary>
/// A release rolled out through the edge: new replicas started on ports of their own, gated on health by the
/// edge while their containers are watched for a crash, cut over atomically, the old ones drained and removed.
/// Replicas that never took traffic are discarded whatever went wrong.
/// </summary>
internal sealed class LocalRollout(DockerEngine engine, EdgeClient edge, EdgeSite edgeSite, LocalImages images, AppSecrets secrets, TimeProvider time,
    IReadOnlyList<string>? defaultListen)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <param name="canary">Share the requests with the serving release and let the edge judge this one, instead of cutting over.</param>
    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct, CanaryPlan? canary = null)
    {
        var environment = ReleaseContainers.Environment(app, version, secrets);
        var current = await edge.RouteAsync(app.App, ct);
        if (canary is not null && current is null)
        {
            log.Warn($"nothing serves {app.App} yet, so there is no release to share the requests with: {version} takes them all");
            canary = null;
        }
        // An edge started by an older Slipway ignores what it does not know: refuse rather than deploy without it.
        var running = await edge.InfoAsync(ct);
        var restart = $"remove its container (docker rm -f {edgeSite.ContainerName}); the next command starts this version's, which restores the routes";
        if (canary is not null && running is not null && !running.Can(EdgeFeatures.Canary))
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                "--canary: the edge proxy running was started by an older Slipway and cannot share requests between releases",
                $"deploy without --canary, or restart the edge: {restart}");
        var listen = LocalPlatform.Listen(app, defaultListen);
        if (listen is not null && running is not null && !running.Can(EdgeFeatures.ListenAddresses))
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                $"edge.listen: the edge proxy running was started by an older Slipway and listens on loopback only", $"restart the edge: {restart}");
        if (app.Preview is not null && running is not null && !running.Can(EdgeFeatures.RouteExpiry))
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                $"--preview: the edge proxy running was started by an older Slipway and would never remove the preview's route", $"restart the edge: {restart}");
        var issuer = EdgeTlsFiles.Issuer(app) is { } asked ? asked with { Listen = listen } : null;
        if (issuer is not null && running is not null && !running.Can(EdgeFeatures.IssuedCertificates))
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                $"edge.tls: the edge proxy running was started by an older Slipway and cannot get certificates itself ({issuer.Kind})",
                $"restart the edge: {restart}");
        await RemoveUnroutedAsync(app, current, log, ct);

        if ((app.User ?? await engine.ImageUserAsync(ImageBuilder.ImageReference(app.App, version), ct)) is "" or "root" or "0" or "0:0")
            log.Warn("the replicas run as root: add a USER line to the Dockerfile, or set user: in the manifest (e.g. \"65534:65534\"), so that a compromised app is not root in its container");
        await engine.EnsureNetworkAsync(ReleaseContainers.NetworkName(app), ReleaseLabels.ForApp(app.App), ct);
        var clock = Stopwatch.StartNew();
        var rolloutStarted = time.GetUtcNow() - TimeSpan.FromSeconds(1); // the engine's events have whole-second precision here
        var created = new ConcurrentBag<string>();
        var servesNewRelease = false;
        IReadOnlyList<string> newReplicas = [];
        try
        {
            var labels = new Dictionary<string, string>(ReleaseLabels.ForRelease(app, version))
            {
                [ReleaseLabels.Fingerprint] = ReleaseFingerprint.Of(app, version, secrets, LocalPlatform.Traits(app, defaultListen)),
            };
            var started = await Task.WhenAll(Enumerable.Range(1, app.Replicas).Select(async index =>
            {
                var name = $"{app.App}-{version}-{index}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..4]}";
                var (id, port) = await StartOnFreePortAsync(ReleaseContainers.Spec(app, version, name, labels, environment), created, ct);
                log.Info($"replica {name} started on 127.0.0.1:{port}");
                return (Id: id, Target: new EdgeTarget(name, $"http://127.0.0.1:{port}"));
            }));
            newReplicas = started.Select(s => s.Target.Id).ToList();

            // The release's other processes start beside the new replicas and must prove healthy before traffic moves.
            var processes = new LocalProcesses(engine, time);
            var workers = await processes.StartAsync(app, version, labels, environment, created, log, ct);
            if (await processes.GateAsync(workers, rolloutStarted, app.HealthCheck.StartPeriod, ct) is { } dead)
                throw await RejectedAsync(dead.Id,
                    $"process {dead.Process.Name} ({dead.Name}) exited with code {dead.ExitCode} before running {Duration.Format(dead.Process.Healthy)}",
                    $"fix processes.{dead.Process.Name}.command (its log is above); the previous release and its processes keep running", ct);

            await beforeCutover(ct);
            var outcome = await DeployThroughEdgeAsync(app, version, started, rolloutStarted, canary, issuer, ct);
            if (outcome.Route.Canary is { } judged)
            {
                log.Info($"canary: {version} takes {canary!.Percent}% of the requests beside {outcome.Route.Version} for {Duration.Format(canary.For)}");
                var result = await new CanaryProgress(edge, time).WaitAsync(app.App, judged, log, ct);
                if (result.Outcome != CanaryOutcomes.Promoted) throw await AbortedAsync(result, started[0].Id, ct);
                log.Info($"canary promoted ({result.Reason}): {version} takes every request; {result.StableVersion}'s replicas drained");
            }
            else log.Info($"cut over to {version} {Duration.Format(clock.Elapsed)} after the first replica was created; old replicas drained");
            servesNewRelease = true;
            if (app.Edge.Tls is { Local: true })
                log.Info($"HTTPS with a certificate of Slipway's local CA (until {outcome.Route.Tls?.NotAfter:yyyy-MM-dd}, renewed by the edge): to trust it, "
                         + $"curl --cacert {edge.Paths.CaRootCertificate}, or add that file to your browser's or system's trusted roots "
                         + "(Debian: copy it to /usr/local/share/ca-certificates/slipway.crt and run update-ca-certificates)");
            try
            {
                await StopAsync(current?.Targets.Select(t => t.Id) ?? [], log, ct);
                await processes.StopOthersAsync(app, workers.Select(w => w.Id).ToHashSet(), log, ct);
                await images.PruneAsync(app, version, current?.Route.Version, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The new release serves: the deploy is done. What is left of the old one is no longer routed, and the next
                // run removes it as a leftover; failing here would record a serving release as failed.
                log.Warn($"{version} serves, but the previous release could not all be removed ({e.Message.Split('\n')[0]}): the next up removes what is left");
            }
            return new RolloutReport(version, outcome.PreviousVersion, started.Length, outcome.DrainTimedOut);
        }
        catch (Exception e) when (!servesNewRelease)
        {
            // The edge's swap completes once begun: a failure on this side after it (the engine lost during the drain) leaves
            // the new release serving, and its replicas must stay.
            if (e is not OperationCanceledException && await RoutesToAsync(app.App, newReplicas))
            {
                log.Warn($"{version} serves, but the rollout did not finish ({e.Message.Split('\n')[0]}): the next up removes what is left of the previous release");
                return new RolloutReport(version, current?.Route.Version, app.Replicas, DrainTimedOut: false);
            }
            // Whatever went wrong (rejected, crashed, cancelled) before the cut-over, replicas that never took traffic go away.
            await DiscardAsync(app, created, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Whether the edge sends the app's requests to these replicas (by name: a release of the same version has others).</summary>
    private async Task<bool> RoutesToAsync(string app, IReadOnlyList<string> replicas)
    {
        if (replicas.Count == 0) return false;
        try
        {
            return (await edge.RouteAsync(app, CancellationToken.None))?.Targets.Any(t => replicas.Contains(t.Id)) == true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or EdgeRequestException)
        {
            return false;
        }
    }

    public async Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) =>
        await RemoveUnroutedAsync(app, await edge.RouteAsync(app.App, ct), log, ct);

    /// <param name="route">The app's route and <paramref name="containers"/> its containers, as just read.</param>
    public Task<int> RemoveLeftoversAsync(AppManifest app, RouteStatus? route, IReadOnlyList<ContainerSummary> containers, IStageLog log, CancellationToken ct) =>
        RemoveUnroutedAsync(app, route, containers, log, ct);

    /// <summary>The error an aborted canary ends <c>up</c> with: why, both releases' figures, and the first error in a replica's log.</summary>
    private async Task<SlipwayException> AbortedAsync(CanaryResult result, string replicaId, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder($"canary {result.Version} aborted: {result.Reason}")
            .Append($"{Environment.NewLine}  {result.Version} (canary): {result.Canary.Describe()}")
            .Append($"{Environment.NewLine}  {result.StableVersion} (serving): {result.Stable.Describe()}")
            .Append($"{Environment.NewLine}  {result.StableVersion} takes every request again; {result.Version}'s replicas are removed");
        var excerpt = LogExcerpt.Of(await engine.LogTailAsync(replicaId, 1000, ct));
        if (excerpt.FirstError.Count > 0)
        {
            text.Append($"{Environment.NewLine}  first error in a canary replica's log:");
            foreach (var line in excerpt.FirstError) text.Append($"{Environment.NewLine}    {line}");
        }
        return new SlipwayException(ErrorCode.CanaryAborted, text.ToString(),
            "fix what made it fail and deploy again; a canary that should pass as it is: raise --max-error-rate");
    }

    private async Task<DeployOutcome> DeployThroughEdgeAsync(AppManifest app, string version,
        IReadOnlyList<(string Id, EdgeTarget Target)> started, DateTimeOffset since, CanaryPlan? canary, EdgeTlsIssuer? issuer, CancellationToken ct)
    {
        var health = app.HealthCheck;
        var args = new DeployArgs(version, app.Edge.Port, app.Edge.Host, started.Select(s => s.Target).ToList(),
            new EdgeHealthSettings(health.Path, health.Interval, health.Timeout, health.HealthyThreshold, health.UnhealthyThreshold),
            health.StartPeriod, app.Drain, app.Edge.MetricsPort, EdgeTlsFiles.Read(app, time.GetUtcNow()),
            canary is null ? null : new CanaryPolicy(canary.Percent, canary.For, canary.MaxErrorRate), issuer, LocalPlatform.Listen(app, defaultListen),
            ExpiresAt: app.Preview?.ExpiresAt);

        // The edge gates on HTTP health; meanwhile watch the containers, so a crash fails fast instead of at the timeout.
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var deploy = edge.DeployAsync(app.App, args, watch.Token);
        var crashed = WatchForExitAsync(started.Select(s => s.Id).ToList(), since, watch.Token);
        var first = await Task.WhenAny(deploy, crashed);
        if (first == crashed && await crashed is var (dead, exitCode))
        {
            await watch.CancelAsync();
            try { await deploy; } catch (Exception) { /* the edge was told to abandon the release */ }
            // A swap completes once begun; if it did, the new release serves and the crash is the normal kind a
            // restart policy handles. Otherwise reject the release.
            var route = await edge.RouteAsync(app.App, CancellationToken.None);
            if (route?.Route.Version != version || route.Targets.All(t => started.All(s => s.Target.Id != t.Id)))
                throw await RejectedAsync(dead.Id,
                    $"replica {dead.Name} exited with code {exitCode}{(dead.OomKilled ? " (out of memory)" : "")} before becoming healthy",
                    RejectionHints.Crashed(app, dead.OomKilled), ct);
        }
        try
        {
            return await deploy; // a watch that ended without a crash (the engine's events lost) leaves the edge to decide
        }
        catch (EdgeRequestException e) when (e.Error.Error == EdgeErrors.TargetFailedToBecomeHealthy)
        {
            var failures = e.Error.Targets ?? [];
            var firstFailure = failures.FirstOrDefault();
            var replica = started.FirstOrDefault(s => s.Target.Id == firstFailure?.Id);
            var lines = failures.Select(f => $"replica {f.Id}: {f.Describe(app.HealthCheck.Path, app.HealthCheck.StartPeriod)}");
            throw await RejectedAsync(replica.Id ?? started[0].Id,
                $"{failures.Count} of {started.Count} new replica(s) did not become healthy within {Duration.Format(app.HealthCheck.StartPeriod)}"
                + string.Concat(lines.Select(l => Environment.NewLine + "  " + l)),
                RejectionHints.For(app, firstFailure?.Outcome), ct);
        }
        catch (EdgeRequestException e) when (e.Error.Error is EdgeErrors.PortInUse or EdgeErrors.HostInUse)
        {
            throw new SlipwayException(ErrorCode.PortInUse, $"edge: {e.Error.Message}",
                "choose another edge.port or edge.host in the manifest");
        }
        catch (EdgeRequestException e) when (e.Error.Error is EdgeErrors.CertificateNotIssued)
        {
            throw new SlipwayException(ErrorCode.CertificateNotIssued, e.Error.Message,
                app.Edge.Tls?.Acme is not null
                    ? $"the ACME CA must reach http://{app.Edge.Host}:{app.Edge.Tls.RedirectFrom}/.well-known/acme-challenge/ on this machine; the previous release keeps serving"
                    : $"see the edge's log (docker logs {edgeSite.ContainerName}); the previous release keeps serving");
        }
        catch (EdgeRequestException e) when (e.Error.Error is EdgeErrors.CanaryRefused)
        {
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--canary: {e.Error.Message}", "deploy this change without --canary");
        }
        finally
        {
            await watch.CancelAsync();
        }
    }

    /// <summary>The first replica to die since the rollout began, with the code it exited with.</summary>
    private async Task<(ContainerDetails Details, int ExitCode)?> WatchForExitAsync(IReadOnlyList<string> ids, DateTimeOffset since,
        CancellationToken ct)
    {
        try
        {
            var (exited, code) = await engine.WaitForFirstDeathAsync(ids, since, ct);
            var details = await engine.InspectContainerAsync(exited, ct);
            return details is null ? null : (details, code);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or EngineApiException or EngineTimeoutException)
        {
            // Only a way to fail fast: without the engine's events the edge's health gate still decides.
            return null;
        }
    }

    private async Task<SlipwayException> RejectedAsync(string containerId, string reason, string hint, CancellationToken ct)
    {
        // Stop it first: a crashing replica keeps being restarted, and its log keeps moving.
        await engine.StopContainerAsync(containerId, TimeSpan.Zero, ct);
        var excerpt = LogExcerpt.Of(await engine.LogTailAsync(containerId, 1000, ct));
        var text = new System.Text.StringBuilder($"release rejected: {reason}{Environment.NewLine}  the previous release keeps serving");
        if (excerpt.FirstError.Count > 0)
        {
            text.Append($"{Environment.NewLine}  first error in its log:");
            foreach (var line in excerpt.FirstError) text.Append($"{Environment.NewLine}    {line}");
        }
        text.Append($"{Environment.NewLine}  last log lines:");
        if (excerpt.Tail.Count == 0) text.Append($"{Environment.NewLine}    (the replica wrote no log lines)");
        foreach (var line in excerpt.Tail) text.Append($"{Environment.NewLine}    {line}");
        return new SlipwayException(ErrorCode.ReleaseUnhealthy, text.ToString(), hint);
    }

    /// <summary>Containers of the app that the edge does not route to are leftovers of a failed or killed run.</summary>
    private async Task<int> RemoveUnroutedAsync(AppManifest app, RouteStatus? current, IStageLog log, CancellationToken ct) =>
        await RemoveUnroutedAsync(app, current, await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct), log, ct);

    private async Task<int> RemoveUnroutedAsync(AppManifest app, RouteStatus? current, IReadOnlyList<ContainerSummary> listed, IStageLog log, CancellationToken ct)
    {
        var routed = current?.Targets.Select(t => t.Id).ToHashSet() ?? [];
        var containers = listed.Where(ReleaseContainers.IsReleaseContainer).ToList();
        // The serving release (its version and fingerprint, as its routed replicas carry them) keeps its other processes:
        // they are never routed, and are not leftovers. Those of a killed run of the same version are.
        var serving = containers.Where(c => routed.Contains(c.Name))
            .Select(c => (c.Labels.GetValueOrDefault(ReleaseLabels.Version), c.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint))).FirstOrDefault();
        var removed = 0;
        foreach (var container in containers)
        {
            if (routed.Contains(container.Name)) continue;
            if (LocalProcesses.IsProcess(container) && current is not null
                && (container.Labels.GetValueOrDefault(ReleaseLabels.Version), container.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint)) == serving) continue;
            log.Info($"removing leftover replica {container.Name} (not routed)");
            await engine.RemoveContainerAsync(container.Id, ct);
            removed++;
        }
        return removed;
    }

    private async Task StopAsync(IEnumerable<string> names, IStageLog log, CancellationToken ct)
    {
        await Task.WhenAll(names.Select(async name =>
        {
            await engine.StopContainerAsync(name, StopGrace, ct);
            await engine.RemoveContainerAsync(name, ct);
            log.Info($"replica {name} drained and removed");
        }));
    }

    private async Task DiscardAsync(AppManifest app, IEnumerable<string> ids, CancellationToken ct)
    {
        var containers = new List<ContainerDetails>();
        foreach (var id in ids)
            if (await engine.InspectContainerAsync(id, ct) is { } details) containers.Add(details);
        var route = await edge.RouteAsync(app.App, ct);
        // A canary of these replicas that started although this run was interrupted (the edge completes a change once begun) ends here.
        if (route?.Route.Canary is { } canary && canary.Targets.Any(t => containers.Any(c => c.Name == t.Id)))
        {
            await edge.EndCanaryAsync(app.App, promote: false, ct);
            route = await edge.RouteAsync(app.App, ct);
        }
        var routed = route?.Targets.Select(t => t.Id).ToHashSet() ?? [];
        foreach (var container in containers.Where(c => !routed.Contains(c.Name)))
            await engine.RemoveContainerAsync(container.Id, ct);
    }

    /// <summary>
    /// Creates and starts a replica on a host port chosen here rather than by the engine, so the port survives
    /// an engine restart and the edge's route stays valid. A port taken in between is retried with another.
    /// </summary>
    private async Task<(string Id, int Port)> StartOnFreePortAsync(ContainerSpec spec, ConcurrentBag<string> created, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.FreeLoopbackPort();
            var id = await engine.CreateContainerAsync(spec with { HostPort = port }, ct);
            created.Add(id);
            try
            {
                await engine.StartContainerAsync(id, ct);
                return (id, port);
            }
            catch (EngineApiException e) when (DockerEngine.IsPortConflict(e) && attempt < 5)
            {
                await engine.RemoveContainerAsync(id, ct);
            }
        }
    }

}
