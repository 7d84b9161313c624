using CliWrap;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Pipeline;

/// <summary>
/// Runs a manifest hook with <c>sh -c</c> in the manifest's folder, its output shown line by line, for at most
/// <see cref="Timeout"/>. Its environment is only SLIPWAY_APP, SLIPWAY_ENVIRONMENT, SLIPWAY_VERSION,
/// SLIPWAY_PREVIOUS_VERSION, PATH and HOME: never the CLI's own, which holds the variables secrets are read from.
/// </summary>
public sealed class HookRunner(TimeProvider time)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static readonly IReadOnlySet<string> Inherited = new HashSet<string> { "PATH", "HOME" };

    /// <summary>
    /// Runs the hook ($1) in a session of its own and ends that whole session when the CLI ($2) dies, even by
    /// kill -9, or when the run is cancelled (SIGINT from Ctrl-C or from the CLI), so no hook outlives the run it
    /// belongs to, nor holds its output pipe open. The hook's exit code is passed through. The trap is set before the
    /// hook starts (an interrupt before it would otherwise end the guard and leave the hook running), and until the hook
    /// has made its session (setsid, a moment after its start) only its own pid exists to be signalled: the stop waits for it.
    /// The watcher's output goes nowhere, so that its sleep does not hold the run's output open after the hook ends.
    /// </summary>
    private const string Guard = """
        hook=$1; cli=$2; child=; watcher=
        stop() {
          [ -n "$child" ] || child=$!
          i=0
          while [ -n "$child" ] && ! kill -TERM "-$child" 2>/dev/null && kill -0 "$child" 2>/dev/null && [ "$i" -lt 100 ]; do
            sleep 0.01; i=$((i + 1))
          done
          [ -z "$watcher" ] || kill "$watcher" 2>/dev/null
          exit 130
        }
        trap stop INT TERM
        setsid /bin/sh -c "$hook" &
        child=$!
        ( while kill -0 "$cli" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.2; done
          kill -TERM "-$child" ) >/dev/null 2>&1 &
        watcher=$!
        wait "$child"; rc=$?
        kill "$watcher" 2>/dev/null
        exit $rc
        """;

    public async Task RunAsync(AppManifest app, string hook, string? command, string version, string? previous,
        IStageLog log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command)) return;
        log.Info($"hook {hook}: {command}");
        // Cancelling first sends SIGINT, on which the guard ends the hook's whole session; a kill follows if not.
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        using var forceful = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, time);
        using var escalate = deadline.Token.Register(() => forceful.CancelAfter(TimeSpan.FromSeconds(5)));
        CommandResult result;
        try
        {
            result = await CliWrap.Cli.Wrap("/bin/sh")
                .WithArguments(["-c", Guard, "slipway-hook", command, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                .WithWorkingDirectory(app.ManifestDirectory)
                .WithEnvironmentVariables(env =>
                {
                    foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => !Inherited.Contains(n)))
                        env.Set(name, null); // removed, not inherited
                    env.Set("SLIPWAY_APP", app.App)
                        .Set("SLIPWAY_ENVIRONMENT", app.Environment.Name)
                        .Set("SLIPWAY_VERSION", version)
                        .Set("SLIPWAY_PREVIOUS_VERSION", previous ?? "");
                })
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(forceful.Token, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new SlipwayException(ErrorCode.HookFailed, $"hook {hook} did not finish within {Duration.Format(Timeout)} and was stopped",
                $"make hooks.{hook} finish sooner, or run long work elsewhere");
        }
        ct.ThrowIfCancellationRequested(); // interrupted: the hook's exit code says nothing about the hook
        if (result.ExitCode != 0)
            throw new SlipwayException(ErrorCode.HookFailed, $"hook {hook} failed with exit code {result.ExitCode}",
                $"fix the command in hooks.{hook} of the manifest, or remove it");
    }
}
