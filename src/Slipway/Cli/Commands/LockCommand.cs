using System.CommandLine;
using Slipway.Common;

namespace Slipway.Cli.Commands;

public static class LockCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment();
        var json = CommonOptions.Json();
        var status = new Command("status", "Show whether a slipway run holds the app's deploy lock, and which") { file, environment, json };
        status.SetAction((parse, _) => CommandRunner.RunAsync(parse.GetValue(file)!, parse.GetValue(environment)!, context =>
        {
            var (held, holder) = AppLock.Inspect(context.State, context.App.App, context.Environment);
            if (parse.GetValue(json)) CommandContext.WriteJson(new { held, holder });
            else Console.Out.WriteLine(held ? $"held by {holder?.ToString() ?? "an unknown process"}" : "free");
            return Task.FromResult(0);
        }));

        var release = new Command("release",
            "Release the app's deploy lock. The lock is an OS lock that dies with its process, so this only confirms it is free, "
            + "or names the live run holding it; it never breaks a running deploy silently") { file, environment };
        release.SetAction((parse, _) => CommandRunner.RunAsync(parse.GetValue(file)!, parse.GetValue(environment)!, context =>
        {
            var (held, holder) = AppLock.Inspect(context.State, context.App.App, context.Environment);
            if (held)
                throw new SlipwayException(ErrorCode.LockHeld,
                    $"the lock of {context.App.App} ({context.Environment}) is held by a live run: {holder?.ToString() ?? "unknown process"}",
                    holder is null ? "wait for it to finish" : $"wait for it, or stop it (kill {holder.ProcessId}); its lock goes with it and the next up converges");
            Console.Out.WriteLine("free: no run holds the lock (a killed run's lock was released with its process)");
            return Task.FromResult(0);
        }));
        return new Command("lock", "The per-app deploy lock that keeps up, rollback and destroy from interleaving") { status, release };
    }
}
