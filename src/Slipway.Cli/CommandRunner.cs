using Slipway.Foundation;
using Slipway.Foundation.Redaction;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Cli;

/// <summary>
/// Runs a command's body with its context and turns failures into one clear line, a hint and a meaningful
/// exit code: 2 for bad input, 1 for a failed operation, 130 when interrupted.
/// </summary>
public static class CommandRunner
{
    /// <param name="preview">The preview environment the command is for (<c>--preview NAME</c>); null: the environment named.</param>
    public static Task<int> RunAsync(PlatformCatalog platforms, string manifest, string environment, Func<CommandContext, Task<int>> body,
        bool assumeYes = false, string? preview = null)
    {
        var redactor = new Redactor();
        return RunAsync(platforms, Reporter.ForConsole(redactor), async reporter =>
        {
            using var context = CommandContext.Create(platforms, manifest, environment, reporter, redactor, assumeYes, preview);
            return await body(context);
        });
    }

    /// <summary>For a command that needs no manifest (init, import, dashboard, completion): the same failures, the same lines.</summary>
    public static Task<int> RunAsync(PlatformCatalog platforms, Func<Reporter, Task<int>> body) =>
        RunAsync(platforms, Reporter.ForConsole(new Redactor()), body);

    private const int Enospc = 28; // what .NET on Linux puts in an IOException's HResult: the errno

    /// <summary>Whether a failure comes from a full disk, by its code (ENOSPC), here or in what caused it.</summary>
    internal static bool IsDiskFull(Exception e) => e switch
    {
        IOException { HResult: Enospc } => true,
        _ => e.InnerException is { } inner && IsDiskFull(inner),
    };

    private static async Task<int> RunAsync(PlatformCatalog platforms, Reporter reporter, Func<Reporter, Task<int>> body)
    {
        try
        {
            return await body(reporter);
        }
        catch (SlipwayException e)
        {
            reporter.Error(e.Message, e.Hint);
            return e.ExitCode;
        }
        catch (Exception e) when (platforms.ToUserError(e) is { } error)
        {
            reporter.Error(error.Message, error.Hint);
            return error.ExitCode;
        }
        catch (OperationCanceledException)
        {
            reporter.Error("interrupted", "run the same command again: it converges from where this one stopped");
            return ErrorCodeExtensions.Cancelled;
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            reporter.Error($"a local service stopped answering: {e.Message}", "check the container engine and run the command again");
            return ErrorCodeExtensions.OperationFailed;
        }
        catch (Exception e) when (IsDiskFull(e))
        {
            reporter.Error($"the disk is full: {e.Message.Split('\n')[0]}", "free some space (docker system prune, old clone caches), then run the command again");
            return ErrorCodeExtensions.OperationFailed;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SLIPWAY_DEBUG") != "1")
        {
            // A bug: still one line (through the redactor, as everything), never a stack trace full of values.
            reporter.Error($"unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}",
                "this is a bug in slipway: run again with SLIPWAY_DEBUG=1 for the details, and report it");
            return ErrorCodeExtensions.OperationFailed;
        }
    }
}
