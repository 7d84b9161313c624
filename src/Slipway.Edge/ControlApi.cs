using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The edge's control verbs. They answer only on the unix socket (and only for the control host name),
/// so nothing reaching a public port can change routes.
/// </summary>
public static class ControlApi
{
    public const string Host = EdgeControlApi.Host;
    public const string Prefix = EdgeControlApi.Prefix;

    public static void Map(WebApplication app)
    {
        var control = app.MapGroup(Prefix).RequireHost(Host)
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.Connection.LocalIpAddress is null // unix socket: no IP address
                    ? await next(context)
                    : Results.NotFound());

        control.MapGet("/info", (RouteTable routes, ListenerConfiguration listeners, EdgeStartTime started) =>
            new EdgeInfo(Environment.ProcessId, started.Value, listeners.Ports.ToList(), routes.Routes.Count, EdgeFeatures.All));

        control.MapGet("/metrics", (TrafficMetrics metrics) => metrics.Snapshot());
        control.MapGet("/metrics/prometheus", (TrafficMetrics metrics) =>
            Results.Text(TrafficMetrics.Prometheus(metrics.Snapshot()), "text/plain; version=0.0.4"));

        control.MapGet("/routes", (RouteTable routes) =>
            routes.Routes.OrderBy(r => r.App, StringComparer.Ordinal).Select(r => new RouteStatus(r, routes.Health(r))).ToList());

        control.MapGet("/routes/{app}", Results<Ok<RouteStatus>, NotFound<EdgeError>> (string app, RouteTable routes) =>
            routes.Find(app) is { } route
                ? TypedResults.Ok(new RouteStatus(route, routes.Health(route)))
                : TypedResults.NotFound(new EdgeError(EdgeErrors.RouteNotFound, $"no route for app {app}")));

        // A cluster's other edges copy the certificate this edge got itself (local CA, ACME), through its control gate.
        control.MapGet("/routes/{app}/certificate", async Task<IResult> (string app, RouteTable routes, CancellationToken ct) =>
        {
            if (routes.Find(app) is not { } route) return TypedResults.NotFound(new EdgeError(EdgeErrors.RouteNotFound, $"no route for app {app}"));
            if (route.Tls is not { Issuer: not null } tls)
                return TypedResults.NotFound(new EdgeError(EdgeErrors.NoCertificate, $"the route of {app} serves no certificate this edge got itself"));
            try
            {
                return TypedResults.Ok(new EdgeTls(await File.ReadAllTextAsync(tls.CertificateFile, ct), await File.ReadAllTextAsync(tls.KeyFile, ct), tls.RedirectFrom));
            }
            catch (IOException) // renewed meanwhile: the old files are gone, the route names the new ones
            {
                return TypedResults.Conflict(new EdgeError(EdgeErrors.NoCertificate, $"the certificate of {app} was being renewed: ask again"));
            }
        });

        // The answer to an ACME CA's check this edge is proving, for another edge of the cluster the CA checked instead.
        control.MapGet("/acme-challenges/{token}", (string token, AcmeChallenges challenges) =>
            challenges.Answer(token) is { } answer ? Results.Text(answer, "application/octet-stream") : Results.NotFound());

        // While another edge of a cluster gets a certificate by ACME, the CA may check this one: it opens the port for a while.
        control.MapPut("/challenge-ports/{port:int}", (int port, int? seconds, ChallengePortWindows windows) =>
            port is > 0 and < 65536 && seconds is > 0 and <= ChallengePortWindows.MaxSeconds
                ? Results.Ok(new { port, until = windows.Open(port, TimeSpan.FromSeconds(seconds.Value)) })
                : Results.BadRequest(new EdgeError(EdgeErrors.InvalidRequest, $"a challenge port is 1-65535, open 1-{ChallengePortWindows.MaxSeconds} s")));
        control.MapDelete("/challenge-ports/{port:int}", (int port, ChallengePortWindows windows) =>
        {
            windows.Close(port);
            return Results.Ok(new { port });
        });

        control.MapPost("/routes/{app}/deploy", async Task<IResult> (string app, DeployArgs args, RolloutController rollout, HttpContext http) =>
        {
            try
            {
                var (outcome, error) = await rollout.DeployAsync(app, args, http.RequestAborted);
                if (error is null) return TypedResults.Ok(outcome);
                return error.Error == EdgeErrors.TargetFailedToBecomeHealthy
                    ? TypedResults.UnprocessableEntity(error)
                    : TypedResults.Conflict(error);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return TypedResults.Json(new EdgeError(EdgeErrors.Cancelled, "the caller went away"), statusCode: 499);
            }
        });

        control.MapDelete("/routes/{app}", async Task<IResult> (string app, double? drainSeconds, RolloutController rollout, CancellationToken ct) =>
        {
            var (removed, drained) = await rollout.RemoveAsync(app, TimeSpan.FromSeconds(drainSeconds ?? 5), ct);
            return removed is null
                ? TypedResults.NotFound(new EdgeError(EdgeErrors.RouteNotFound, $"no route for app {app}"))
                : TypedResults.Ok(new { removed.App, removed.Version, drained });
        });

        control.MapPut("/routes/{app}/maintenance", async Task<IResult> (string app, MaintenanceMode? mode, RouteTable routes, CancellationToken ct) =>
            await routes.SetMaintenanceAsync(app, mode, ct) is { } route
                ? TypedResults.Ok(route)
                : TypedResults.NotFound(new EdgeError(EdgeErrors.RouteNotFound, $"no route for app {app}")));

        control.MapPost("/routes/{app}/canary/{action}", async Task<IResult> (string app, string action, RolloutController rollout, CancellationToken ct) =>
        {
            if (action is not ("promote" or "abort"))
                return TypedResults.NotFound(new EdgeError(EdgeErrors.InvalidRequest, $"a canary is promoted or aborted, not {action}"));
            var promote = action == "promote";
            return await rollout.EndCanaryAsync(app, null, promote, promote ? "promoted by hand (slipway rollout promote)" : "aborted by hand (slipway rollout abort)", ct)
                is { } result
                ? TypedResults.Ok(result)
                : TypedResults.NotFound(new EdgeError(EdgeErrors.NoCanary, $"no canary of {app} is in progress"));
        });

        control.MapPost("/shutdown", (IHostApplicationLifetime lifetime) =>
        {
            lifetime.StopApplication();
            return TypedResults.Accepted((string?)null);
        });
    }
}

internal sealed record EdgeStartTime(DateTimeOffset Value);
