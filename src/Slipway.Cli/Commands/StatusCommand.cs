using System.CommandLine;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

public static class StatusCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var preview = PreviewCommand.Option("The status of preview environment NAME");
        var command = new Command("status", "Show the URL, the version serving and the health of each replica") { file, environment, json, preview };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var status = await context.Platform.GetStatusAsync(context.App, ct);
            var last = (await context.History.ListAsync(context.App.App, context.Environment, 1, ct)).FirstOrDefault();
            var (inProgress, holder) = await context.Lock.InspectAsync(ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(new StatusOutput(status.App, context.Environment, status.Platform, status.Url.ToString(), status.Version,
                    status.DeployedAt, status.Replicas, status.HealthyReplicas, status.Processes, status.Accessories, status.Jobs, status.Volumes,
                    status.Traffic, status.CertificateExpiresAt, status.Canary, status.LastCanary, inProgress ? new InProgressOutput(holder) : null,
                    last, status.Problem), CliJson.Default.StatusOutput);
                return status.Problem is null ? 0 : Foundation.ErrorCodeExtensions.OperationFailed;
            }
            var output = Console.Out;
            output.WriteLine($"app:      {status.App} ({context.Environment}, {status.Platform})");
            output.WriteLine($"url:      {status.Url}");
            output.WriteLine($"version:  {status.Version ?? "(not deployed)"}");
            if (status.DeployedAt is { } at) output.WriteLine($"deployed: {at:u}");
            if (status.CertificateExpiresAt is { } expires) output.WriteLine($"tls:      certificate expires {expires:u}");
            if (status.Canary is { } canary)
                output.WriteLine($"canary:   {canary.Version} takes {canary.Percent}% of the requests, judged until {canary.EndsAt.ToLocalTime():HH:mm:ss} "
                                 + "(slipway rollout promote|abort to end it now)");
            else if (status.LastCanary is { } ended)
                output.WriteLine($"canary:   {ended.Version} {ended.Outcome}: {ended.Reason}");
            output.WriteLine($"replicas: {status.HealthyReplicas}/{status.Replicas.Count} healthy");
            if (inProgress) output.WriteLine($"running:  a slipway run is in progress ({holder?.ToString() ?? "holder unknown"})");
            if (last is not null)
                output.WriteLine($"last:     {last.Action} {last.Version ?? ""} {last.Result} at {last.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}"
                                 + (last.Error is null ? "" : $": {last.Error}"));
            foreach (var rate in status.Traffic)
                output.WriteLine($"traffic:  {rate.Version} {rate.Requests} request(s) in the last minute, " +
                                 $"{Slipway.Foundation.Output.Percent.Format(rate.ErrorRate ?? 0)} answered 5xx");
            foreach (var replica in status.Replicas)
                output.WriteLine($"  {replica.Id,-40} {replica.Version,-20} {replica.State,-10} {replica.Health,-10} {replica.Address}"
                                 + (replica.Node is null ? "" : $"  on {replica.Node}"));
            foreach (var (name, processes) in status.Processes)
            {
                output.WriteLine($"process {name}: {processes.Count(p => p.State == "running")}/{processes.Count} running");
                foreach (var process in processes) output.WriteLine($"  {process.Id,-40} {process.Version,-20} {process.State,-10}");
            }
            foreach (var job in status.Jobs)
                output.WriteLine($"job {job.Name}: {job.Schedule} ({job.TimeZone}), next {(job.Next is { } next ? next.ToLocalTime().ToString("yyyy-MM-dd HH:mm") : "-")}, "
                                 + (job.Last is { } run ? $"last {run.Result}" + (run.StartedAt is { } started ? $" at {started.ToLocalTime():yyyy-MM-dd HH:mm}" : "") : "not run yet"));
            foreach (var accessory in status.Accessories)
                output.WriteLine($"accessory {accessory.Name}: {accessory.State}, {accessory.Health}, at {accessory.Address} ({accessory.Container})");
            foreach (var volume in status.Volumes)
                output.WriteLine($"volume {volume.Name}: {volume.Volume} at {volume.Path ?? "(not mounted: the manifest no longer names it)"}, "
                                 + (volume.Bytes is { } bytes ? Slipway.Foundation.Output.ByteSize.Format(bytes) : "size unknown"));
            if (status.Problem is not null)
                throw new Foundation.SlipwayException(Foundation.ErrorCode.EdgeUnavailable, status.Problem,
                    "run slipway up for any app: it starts the edge proxy, which restores every app's route");
            return 0;
        }, preview: parse.GetValue(preview)));
        return command;
    }
}
