using System.CommandLine;

namespace Slipway.Cli.Commands;

public static class StatusCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment();
        var json = CommonOptions.Json();
        var command = new Command("status", "Show the URL, the version serving and the health of each replica") { file, environment, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var status = await context.Platform.GetStatusAsync(context.App, ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(new
                {
                    status.App,
                    Environment = context.Environment,
                    status.Platform,
                    Url = status.Url.ToString(),
                    status.Version,
                    status.DeployedAt,
                    Replicas = status.Replicas,
                    Healthy = status.HealthyReplicas,
                });
                return 0;
            }
            var output = Console.Out;
            output.WriteLine($"app:      {status.App} ({context.Environment}, {status.Platform})");
            output.WriteLine($"url:      {status.Url}");
            output.WriteLine($"version:  {status.Version ?? "(not deployed)"}");
            if (status.DeployedAt is { } at) output.WriteLine($"deployed: {at:u}");
            output.WriteLine($"replicas: {status.HealthyReplicas}/{status.Replicas.Count} healthy");
            foreach (var replica in status.Replicas)
                output.WriteLine($"  {replica.Id,-40} {replica.Version,-20} {replica.State,-10} {replica.Health,-10} {replica.Address}");
            return 0;
        }));
        return command;
    }
}
