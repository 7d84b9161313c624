using Microsoft.Extensions.Logging;
namespace Slipway.Edge;

/// <summary>
/// A deploy as a load balancer gates it: health-check the new targets, swap them in atomically,
/// then drain the old ones. If any new target fails its check, nothing changes and the old release keeps serving.
/// </summary>
internal sealed class RolloutController(RouteTable routes, HealthGate gate, Drainer drainer, EdgePaths paths, TimeProvider time,
    ILogger<RolloutController> log)
{
    public async Task<(DeployOutcome? Outcome, EdgeError? Error)> DeployAsync(string app, DeployArgs args, CancellationToken ct)
    {
        if (args.Targets.Count == 0)
            return (null, new EdgeError(EdgeErrors.InvalidRequest, "a deploy needs at least one target"));
        if (routes.Conflict(app, args.Port, args.Host, args.MetricsPort, args.Tls) is { } conflict)
            return (null, conflict);
        TlsCertificateInfo? certificate = null;
        if (args.Tls is { } tls)
        {
            try
            {
                certificate = TlsCertificates.Check(tls.CertificatePem, tls.KeyPem, time.GetUtcNow());
            }
            catch (TlsCertificateException e)
            {
                return (null, new EdgeError(EdgeErrors.InvalidRequest, $"edge.tls: {e.Message}"));
            }
        }

        log.LogInformation("deploy {App} {Version}: checking {Count} target(s)", app, args.Version, args.Targets.Count);
        var failures = await gate.WaitHealthyAsync(args.Targets, args.Health, args.HealthTimeout, ct);
        if (failures.Count > 0)
        {
            log.LogWarning("deploy {App} {Version} rejected: {Reason}", app, args.Version, failures[0].LastError);
            return (null, new EdgeError(EdgeErrors.TargetFailedToBecomeHealthy,
                $"{failures.Count} of {args.Targets.Count} target(s) did not become healthy within {Common.Duration.Format(args.HealthTimeout)}",
                failures));
        }

        // Past this point the cut-over completes even if the caller goes away: a half-applied swap is worse than either state.
        ct.ThrowIfCancellationRequested();
        var route = new EdgeRoute(app, args.Version, args.Port, args.Host, args.Targets, args.Health, time.GetUtcNow(), MetricsPort: args.MetricsPort,
            Tls: args.Tls is { } served ? await KeepAsync(app, served, certificate!, CancellationToken.None) : null);
        var (previous, retired) = await routes.SwapAsync(route, CancellationToken.None);
        log.LogInformation("deploy {App}: {Old} -> {New}, draining {Count} target(s)", app, previous?.Version ?? "(none)", args.Version, retired.Count);
        var drained = await drainer.DrainAsync(retired, args.DrainTimeout, CancellationToken.None);
        if (previous?.Tls is { } replaced && replaced.CertificateFile != route.Tls?.CertificateFile) Forget(replaced); // its handshakes are over with the drain
        return (new DeployOutcome(route, previous?.Version, retired.Count, !drained), null);
    }

    public async Task<(EdgeRoute? Removed, bool Drained)> RemoveAsync(string app, TimeSpan drainTimeout, CancellationToken ct)
    {
        var (removed, retired) = await routes.RemoveAsync(app, ct);
        var drained = await drainer.DrainAsync(retired, drainTimeout, CancellationToken.None);
        if (removed?.Tls is { } tls) Forget(tls);
        return (removed, drained);
    }

    /// <summary>
    /// Writes a certificate and its key where the edge serves them from: its own directory, readable by its owner only,
    /// named by the certificate so a new one never overwrites the one serving.
    /// </summary>
    private async Task<EdgeRouteTls> KeepAsync(string app, EdgeTls tls, TlsCertificateInfo certificate, CancellationToken ct)
    {
        if (app != Path.GetFileName(app) || app.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"\"{app}\" is not an app name", nameof(app)); // never a path out of the edge's directory
        var directory = Path.Combine(paths.Directory, "tls");
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var stem = Path.Combine(directory, $"{app}-{certificate.Thumbprint[..16].ToLowerInvariant()}");
        await WritePrivateAsync(stem + ".crt", tls.CertificatePem, ct);
        await WritePrivateAsync(stem + ".key", tls.KeyPem, ct);
        return new EdgeRouteTls(stem + ".crt", stem + ".key", certificate.NotAfter, tls.RedirectFrom);
    }

    /// <summary>A certificate and key no route serves any more: removed, so no key outlives its use.</summary>
    private void Forget(EdgeRouteTls tls)
    {
        foreach (var file in new[] { tls.CertificateFile, tls.KeyFile })
        {
            try { File.Delete(file); }
            catch (IOException e) { log.LogWarning("could not remove {File}: {Reason}", file, e.Message); }
        }
    }

    private static async Task WritePrivateAsync(string path, string text, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(text.AsMemory(), ct);
    }
}
