namespace Slipway.Edge.Contract;

/// <summary>Two apps cannot share a port unless their host names differ: the one rule, for the edge and the CLI's preflight.</summary>
public static class RouteClash
{
    public static EdgeRoute? Find(IEnumerable<EdgeRoute> routes, string app, int port, string? host) =>
        routes.FirstOrDefault(r => r.App != app && r.Port == port && r.Host == host);

    public static string Describe(EdgeRoute clash) =>
        $"{clash.Host ?? "every host"} on port {clash.Port} is already routed to app {clash.App}";
}
