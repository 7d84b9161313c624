using System.Globalization;
using System.Diagnostics;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Edge.Contract;

namespace Slipway.Platforms.Local.EdgeControl;

/// <summary>
/// Starts the edge as a detached process of its own (new session, output to its log file) when none answers,
/// so it outlives the CLI that started it. A small shell loop supervises it: an edge that dies (a crash,
/// kill -9) is started again and restores its routes; one that exits cleanly (shutdown, SIGTERM) stays down.
/// Two CLIs racing to start it are safe: the edge's instance lock lets only one run, and the supervisor's own
/// lock lets only one supervise. An edge found running without a supervisor (it was killed) gets a new one,
/// which adopts it: it waits on the edge's lock and starts a new edge if that one died.
/// </summary>
public sealed class EdgeLauncher(EdgeClient client, TimeProvider time)
{
    public async Task<EdgeInfo> EnsureRunningAsync(CancellationToken ct)
    {
        var paths = client.Paths;
        if (await client.InfoAsync(ct) is { } running)
        {
            // An edge whose supervisor was killed serves on, but would not come back from a crash: give it a new one.
            if (!paths.IsSupervised()) await LaunchAsync(paths, ct);
            return running;
        }
        try
        {
            paths.EnsureExists();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlipwayException(ErrorCode.StateDirUnwritable, $"cannot write the state directory {paths.Directory}: {e.Message}",
                "set SLIPWAY_STATE_DIR to a writable folder");
        }

        await LaunchAsync(paths, ct);
        return (await Poll.UntilAsync(async token => await client.InfoAsync(token) is { } info ? Attempt<EdgeInfo?>.Finished(info) : default,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20), time, _ =>
            {
                var tail = File.Exists(paths.LogFile) ? File.ReadLines(paths.LogFile).TakeLast(5) : [];
                return new SlipwayException(ErrorCode.EdgeUnavailable, "the edge proxy did not start within 20 s",
                    $"see {paths.LogFile}: {string.Join(" | ", tail)}");
            }, ct))!;
    }

    /// <summary>Starts a supervisor (detached, in a session of its own), which starts the edge or adopts the one running.</summary>
    private static async Task LaunchAsync(EdgePaths paths, CancellationToken ct)
    {
        var (program, prefix) = EdgeProgram();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // The edge lives long: it gets none of the CLI's environment (the app's secrets, cloud credentials) beyond what it needs.
        start.Environment.Clear();
        foreach (var (name, value) in InheritedEnvironment(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .ToDictionary(e => (string)e.Key, e => (string?)e.Value)))
            start.Environment[name] = value;
        start.Environment["SLIPWAY_EDGE_LOCK"] = paths.LockFile;
        start.Environment["SLIPWAY_EDGE_SUPERVISOR_LOCK"] = paths.SupervisorLockFile;
        start.Environment["SLIPWAY_EDGE_STOPPED"] = paths.StoppedMarker;
        // The CLI is short-lived and runs with workstation GC; the proxy serves traffic, where server GC
        // measured about 20 % more requests per second (bench/proxy.sh).
        start.Environment["DOTNET_gcServer"] = "1";
        // Socket completions run on the I/O thread that saw them, which with Kestrel's inline scheduling (EdgeServer) cut the
        // CPU per request by about 30 %; with two I/O threads per core rather than one, a thread the OS preempts holds up fewer
        // connections, which brought the p99 latency back under HAProxy's (bench/README.md).
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = (2 * Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; supervisor=$2; shift 2; setsid sh -c \"$supervisor\" slipway-edge-supervisor \"$@\" >>\"$log\" 2>&1 </dev/null &");
        start.ArgumentList.Add("slipway-edge-launch");
        start.ArgumentList.Add(paths.LogFile);
        start.ArgumentList.Add(Supervisor);
        start.ArgumentList.Add(program);
        foreach (var arg in prefix) start.ArgumentList.Add(arg);
        foreach (var arg in new[] { "serve", "--dir", paths.Directory }) start.ArgumentList.Add(arg);
        using (var shell = Process.Start(start)!) await shell.WaitForExitAsync(ct);
    }

    /// <summary>
    /// Restarts the edge whenever it dies, waiting longer after each quick death (0.5 s doubling to 30 s, back to
    /// 0.5 s after a minute's run): an edge that cannot bind its port for a while comes back when it can, and
    /// never gives up while it has routes to serve. A clean exit (shutdown, SIGTERM) ends it.
    /// </summary>
    private const string Supervisor = """
        exec 8>"$SLIPWAY_EDGE_SUPERVISOR_LOCK"
        flock -n 8 || exit 0
        delay=1
        while :; do
          started=$(date +%s)
          "$@" 8>&-; rc=$?
          [ $rc -eq 0 ] && exit 0
          if [ $rc -eq 3 ]; then
            # another edge serves (this supervisor adopted it): wait until it ends; if it stopped cleanly, so do we
            flock "$SLIPWAY_EDGE_LOCK" true 8>&-
            [ -e "$SLIPWAY_EDGE_STOPPED" ] && exit 0
            continue
          fi
          if [ $(( $(date +%s) - started )) -ge 60 ]; then delay=1; fi
          echo "edge exited with code $rc: restarting in $((delay * 500))ms"
          sleep "$(awk "BEGIN { print $delay / 2 }")"
          [ $delay -lt 60 ] && delay=$((delay * 2))
        done
        """;

    private static readonly string[] InheritedNames =
        ["PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "DOTNET_ROOT", "SSL_CERT_FILE", "SSL_CERT_DIR"];

    /// <summary>
    /// What the edge and its supervisor inherit of the CLI's environment: the system's basics, the runtime's settings and the
    /// edge's own (SLIPWAY_EDGE_*); nothing else, so no secret the CLI was given sits in the edge's /proc/PID/environ.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string?>> InheritedEnvironment(IReadOnlyDictionary<string, string?> current) =>
        current.Where(e => InheritedNames.Contains(e.Key, StringComparer.Ordinal)
            || e.Key.StartsWith("SLIPWAY_EDGE_", StringComparison.Ordinal)
            || (e.Key.StartsWith("DOTNET_", StringComparison.Ordinal) && !e.Key.Contains("KEY", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The edge's own program, shipped beside this one: its apphost, or <c>dotnet slipway-edge.dll</c> where there is none.</summary>
    private static (string Program, string[] Prefix) EdgeProgram()
    {
        var directory = Path.GetDirectoryName(typeof(EdgeLauncher).Assembly.Location)!;
        var apphost = Path.Combine(directory, "slipway-edge");
        if (File.Exists(apphost)) return (apphost, []);
        var dll = Path.Combine(directory, "slipway-edge.dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge program (slipway-edge) is missing from {directory}",
            "reinstall Slipway: the edge ships beside the slipway program");
    }
}
