using System.CommandLine;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

public static class LockCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var status = new Command("status", "Show whether a slipway run holds the app's deploy lock, and which") { file, environment, json };
        status.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var (held, holder) = await context.Lock.InspectAsync(ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(new LockState(held, holder), CliJson.Default.LockState);
            else Console.Out.WriteLine(held ? $"held by {holder?.ToString() ?? "an unknown process"}"
                : holder is null ? "free" : $"free (the last holder's lease lapsed: {holder})");
            return 0;
        }));

        var release = new Command("release",
            "Release the deploy lock of a run that died. Locally the lock is an OS lock that dies with its process; on aws it is a lease "
            + "that lapses a minute after its holder stops renewing it. A live run's lock is never broken: this names it instead") { file, environment };
        release.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            Console.Out.WriteLine(await context.Lock.ReleaseAbandonedAsync(ct));
            return 0;
        }));
        return new Command("lock", "The per-app deploy lock that keeps up, rollback and destroy from interleaving, across machines on aws") { status, release };
    }
}
