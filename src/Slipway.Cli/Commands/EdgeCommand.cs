using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation.Files;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Cli.Commands;

public static class EdgeCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var dir = new Option<string>("--dir")
        {
            Description = "The edge's state directory (control socket, routes, log)",
            DefaultValueFactory = _ => StateDirectory.FromEnvironment().Edge,
        };
        var json = CommonOptions.Json();
        var status = new Command("status", "Show the edge proxy's routes and the health of their targets") { dir, json };
        status.SetAction(async (parse, ct) =>
        {
            using var client = new EdgeClient(new EdgePaths(Path.GetFullPath(parse.GetValue(dir)!)));
            var info = await client.InfoAsync(ct);
            if (info is null)
            {
                Console.Error.WriteLine("the edge proxy is not running");
                return 1;
            }
            var routes = await client.RoutesAsync(ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(new EdgeStatusOutput(info, routes), CliJson.Default.EdgeStatusOutput);
                return 0;
            }
            Console.WriteLine($"edge pid {info.ProcessId}, up since {info.StartedAt:u}, ports {string.Join(", ", info.Ports)}");
            foreach (var route in routes)
            {
                Console.WriteLine($"  {route.Route.App} {route.Route.Version} on {route.Route.HostPattern}");
                foreach (var target in route.Targets)
                    Console.WriteLine($"    {target.Id,-40} {target.Address,-25} {target.Health,-10} in flight {target.InFlight}");
            }
            return 0;
        });
        var prometheus = new Option<bool>("--prometheus") { Description = "Print them in Prometheus's text format" };
        var metrics = new Command("metrics", "Show each app version's traffic through the edge: requests by status class, latency, the last minute's rates")
        {
            dir, json, prometheus,
        };
        metrics.SetAction(async (parse, ct) =>
        {
            using var client = new EdgeClient(new EdgePaths(Path.GetFullPath(parse.GetValue(dir)!)));
            if (await client.InfoAsync(ct) is null)
            {
                Console.Error.WriteLine("error: the edge proxy is not running\nhint: it starts with the first slipway up; its counts start with it");
                return 1;
            }
            if (parse.GetValue(prometheus))
            {
                Console.Write(await client.PrometheusAsync(ct));
                return 0;
            }
            var traffic = await client.MetricsAsync(ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(traffic, CliJson.Default.IReadOnlyListTrafficSnapshot);
                return 0;
            }
            Console.WriteLine($"{"app",-20} {"version",-20} {"requests",9} {"2xx",8} {"3xx",6} {"4xx",6} {"5xx",6} {"p50",7} {"p99",7} {"last min",9} {"errors",7}");
            foreach (var t in traffic)
                Console.WriteLine($"{t.App,-20} {t.Version,-20} {t.Requests,9} {t.StatusClasses[1],8} {t.StatusClasses[2],6} {t.StatusClasses[3],6} {t.StatusClasses[4],6} " +
                                  $"{Latency(t.PercentileMs(0.5)),7} {Latency(t.PercentileMs(0.99)),7} {t.LastMinuteRequests,9} {ErrorRate(t),7}");
            return 0;
        });
        var image = new Command("image", "Build the edge's image for this Slipway on the engine (DOCKER_HOST or the Docker context) if it has none; print its tag")
        {
            json,
        };
        image.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, async reporter =>
        {
            var (tag, engine) = await EdgeImage.EnsureOnSelectedEngineAsync(Environment.GetEnvironmentVariable, reporter.Line, ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(new EdgeImageOutput(tag, engine), CliJson.Default.EdgeImageOutput);
            else Console.WriteLine(tag);
            return 0;
        }));
        return new Command("edge", "The edge proxy (the load balancer's role; the proxy itself is the slipway-edge program, run as a container)")
        {
            status, metrics, image,
        };
    }

    /// <summary>A bucket's bound as a latency ("≤5ms"), or beyond the last one.</summary>
    private static string Latency(double? ms) => ms is { } bound ? $"≤{bound.ToString(System.Globalization.CultureInfo.InvariantCulture)}ms" : ">10s";

    public static string ErrorRate(TrafficSnapshot t) =>
        t.LastMinuteRequests == 0 ? "-" : (100.0 * t.LastMinuteErrors / t.LastMinuteRequests).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
