using System.CommandLine;
using Slipway.Platforms;
using System.Net;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Foundation.Networking;
using Slipway.Cli.Dashboard;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway dashboard</c>: a live web page of every app on this machine, until interrupted.</summary>
public static class DashboardCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var port = new Option<int>("--port") { Description = "The port to serve the page on", DefaultValueFactory = _ => 7070, HelpName = "port" };
        var bind = new Option<string>("--bind")
        {
            Description = "The address to listen on (default loopback); any other needs the token printed at start",
            DefaultValueFactory = _ => "127.0.0.1", HelpName = "address",
        };
        var command = new Command("dashboard",
            "Serve a live page of every app and environment on this machine: URL, version, replicas and their health, release history, runs in progress")
        {
            port, bind,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, async reporter =>
        {
            if (parse.GetValue(port) is < 1 or > 65535)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--port: {parse.GetValue(port)} is not a port", "give a port from 1 to 65535, e.g. --port 7070");
            if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--bind: \"{parse.GetValue(bind)}\" is not an IP address", "e.g. --bind 127.0.0.1, or --bind 0.0.0.0 for every interface");
            if (!Ports.IsFree(parse.GetValue(port)))
                throw new SlipwayException(ErrorCode.PortInUse, $"--port: port {parse.GetValue(port)} is in use by another program", "choose another with --port");
            var state = StateDirectory.FromEnvironment();
            var token = IPAddress.IsLoopback(address) ? null : DashboardServer.NewToken();
            await new DashboardServer(new DashboardState(platforms, CommandContext.PlatformContextFor(state, assumeYes: false)), TimeProvider.System).RunAsync(address, parse.GetValue(port), token, url =>
            {
                reporter.Line(token is null ? "dashboard on loopback (this machine only); Ctrl-C stops it"
                    : "dashboard on every address given: share the URL with its token only with whom you trust; Ctrl-C stops it");
                Console.Out.WriteLine(url);
            }, ct);
            return 0;
        }));
        return command;
    }
}
