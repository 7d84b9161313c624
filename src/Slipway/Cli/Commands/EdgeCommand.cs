using System.CommandLine;
using System.Net;
using Slipway.Common;
using Slipway.Edge;
using Slipway.EdgeControl;

namespace Slipway.Cli.Commands;

public static class EdgeCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir")
        {
            Description = "The edge's state directory (control socket, routes, log)",
            DefaultValueFactory = _ => StateDirectory.FromEnvironment().Edge,
        };
        var address = new Option<string>("--address")
        {
            Description = "Address the public ports bind to",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var serve = new Command("serve", "Run the edge proxy in the foreground (slipway up starts it in the background)") { dir, address };
        serve.SetAction((parse, ct) => EdgeServer.RunAsync(new EdgePaths(Path.GetFullPath(parse.GetValue(dir)!)),
            IPAddress.Parse(parse.GetValue(address)!), ct));

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
                CommandContext.WriteJson(new { info, routes });
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
        return new Command("edge", "The local edge proxy (the load balancer's role)") { serve, status };
    }
}
