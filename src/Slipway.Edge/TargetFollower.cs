using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Follows the targets of routes deployed with a <see cref="TargetDiscovery"/>: every health interval it looks the name up,
/// health-gates the addresses that are new (a task the swarm started on another node after losing one) and swaps them in
/// beside the ones still listed, dropping those the name no longer lists. The edge does it, not the CLI: traffic follows a
/// rescheduled task with nobody running Slipway.
/// </summary>
internal sealed class TargetFollower(RouteTable routes, HealthGate gate, Drainer drainer, TimeProvider time, ILogger<TargetFollower> log)
    : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a dropped target's requests in flight may finish: it is usually gone already.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (Task Work, long Started)> _following = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Tick, time, stoppingToken);
                foreach (var route in routes.Routes)
                {
                    if (route.Discovery is null || route.Canary is not null) continue;
                    if (_following.TryGetValue(route.App, out var last)
                        && (!last.Work.IsCompleted || time.GetElapsedTime(last.Started) < route.Health.Interval)) continue;
                    _following[route.App] = (FollowAsync(route, stoppingToken), time.GetTimestamp());
                }
                foreach (var gone in _following.Keys.Where(app => routes.Find(app)?.Discovery is null).ToList()) _following.Remove(gone);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task FollowAsync(EdgeRoute route, CancellationToken ct)
    {
        try
        {
            var discovery = route.Discovery!;
            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(discovery.Name, AddressFamily.InterNetwork, ct);
            }
            catch (SocketException e)
            {
                log.LogDebug("looking up {Name} for {App} failed: {Error}; its targets stay", discovery.Name, route.App, e.Message);
                return;
            }
            var change = TargetChange.Of(route.Targets, discovery, addresses);
            if (change is null) return;
            var healthy = change.Added;
            if (change.Added.Count > 0)
            {
                var failures = await gate.WaitHealthyAsync(change.Added, route.Health, discovery.StartPeriod, ct);
                var failed = failures.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
                healthy = change.Added.Where(t => !failed.Contains(t.Id)).ToList();
            }
            if (healthy.Count == 0 && change.Dropped.Count == 0) return;
            var applied = false;
            var (_, _, retired) = await routes.ChangeAsync(route.App, current =>
            {
                // Only the release that was looked up: a deploy meanwhile brought targets of its own.
                if (current is null || current.Version != route.Version || current.Discovery != discovery || current.Canary is not null) return null;
                var targets = current.Targets.Where(t => !change.Dropped.Any(d => d.Id == t.Id))
                    .Concat(healthy.Where(h => current.Targets.All(t => t.Id != h.Id))).ToList();
                // Dropping every target before a replacement passed its check would leave nothing to serve: they stay until one has.
                if (targets.Count == 0 || targets.SequenceEqual(current.Targets)) return null;
                applied = true;
                return current with { Targets = targets };
            }, CancellationToken.None);
            if (!applied) return;
            log.LogInformation("{App} {Version}: following {Name}: {Added} target(s) added, {Dropped} dropped", route.App, route.Version,
                discovery.Name, healthy.Count, change.Dropped.Count);
            await drainer.DrainAsync(retired, DrainTimeout, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            log.LogError(e, "following the targets of {App} failed; trying again", route.App);
        }
    }
}

/// <summary>What a lookup changes in a route's targets: the addresses new to it, and the targets no longer listed. Pure.</summary>
internal sealed record TargetChange(IReadOnlyList<EdgeTarget> Added, IReadOnlyList<EdgeTarget> Dropped)
{
    /// <summary>Null when nothing changes; an empty lookup never drops anything (a name that briefly lists nothing is not "no tasks").</summary>
    public static TargetChange? Of(IReadOnlyList<EdgeTarget> targets, TargetDiscovery discovery, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0) return null;
        var listed = addresses.Select(a => a.MapToIPv4().ToString()).ToHashSet(StringComparer.Ordinal);
        var held = targets.Select(t => (Target: t, Address: HostOf(t))).ToList();
        var added = addresses.Select(a => a.MapToIPv4()).DistinctBy(a => a.ToString())
            .Where(a => held.All(h => h.Address != a.ToString())).Select(discovery.TargetFor).ToList();
        var dropped = held.Where(h => h.Address is null || !listed.Contains(h.Address)).Select(h => h.Target).ToList();
        return added.Count == 0 && dropped.Count == 0 ? null : new TargetChange(added, dropped);
    }

    private static string? HostOf(EdgeTarget target) =>
        Uri.TryCreate(target.Address, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip.MapToIPv4().ToString() : null;
}
