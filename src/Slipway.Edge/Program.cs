using System.Net;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Backups;
using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The edge as a program of its own: <c>slipway-edge serve --dir DIR [--address ADDR]</c>. The CLI's launcher starts it
/// detached under a supervisor; run in the foreground it is the same proxy. Settings beyond these come from the
/// environment (<see cref="EdgeOptions.FromEnvironment"/>).
/// </summary>
public static class Program
{
    /// <summary>The scheduler in the foreground, until SIGTERM (the engine stopping its container).</summary>
    private static async Task<int> ScheduleAsync()
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = CancelOnSigterm(stop);
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var engine = EngineOfThisNode();
        try
        {
            var site = Environment.GetEnvironmentVariable(JobLabels.SiteVariable) is { Length: > 0 } named ? named : "slipway-scheduler";
            await new JobScheduler(engine, site, TimeProvider.System, line => Console.Out.WriteLine($"{DateTimeOffset.UtcNow:u} {line}")).RunAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return 0;
    }

    /// <summary>
    /// A command in a container of this node's engine (the one mounted at its socket), its output printed and its exit code
    /// returned: how <c>slipway exec</c> reaches a swarm task on a node whose engine the CLI does not talk to.
    /// </summary>
    private static async Task<int> ExecAsync(string container, IReadOnlyList<string> command)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = CancelOnSigterm(stop);
        using var engine = EngineOfThisNode();
        try
        {
            return await engine.ExecAsync(container, command, Console.Out.WriteLine, stop.Token);
        }
        catch (Slipway.Engine.EngineApiException e)
        {
            Console.Error.WriteLine($"error: exec in {container}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The engine the edge's container was given (DOCKER_HOST, else its mounted socket).</summary>
    private static Slipway.Engine.DockerEngine EngineOfThisNode() =>
        new(Slipway.Engine.EngineSelection.Resolve(null, Environment.GetEnvironmentVariable));

    /// <summary>SIGTERM (the engine stopping the container) cancels <paramref name="stop"/> instead of ending the process at once.</summary>
    private static IDisposable CancelOnSigterm(CancellationTokenSource stop) =>
        System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

    /// <summary>One run of a scheduled backup: the plan its template holds (<see cref="ScheduledBackupPlan"/>), carried out once.</summary>
    private static async Task<int> BackupAsync()
    {
        var text = File.Exists(ScheduledBackupPlan.FilePath) ? await File.ReadAllTextAsync(ScheduledBackupPlan.FilePath) : null;
        if (text is null || ScheduledBackupPlan.FromJson(text) is not { } plan)
            return Refuse($"backup: {ScheduledBackupPlan.FilePath} holds no backup plan (slipway up writes it into the backup job)");
        // Stopped (its timeout passed, or the engine stops): the backup under way deletes its partial file, and the run fails.
        using var stop = new CancellationTokenSource();
        using var sigterm = CancelOnSigterm(stop);
        using var engine = EngineOfThisNode();
        void Log(string line) => Console.Out.WriteLine($"{DateTimeOffset.UtcNow:u} {line}");
        try
        {
            return await new ScheduledBackupRun(engine, TimeProvider.System, Log).RunAsync(plan, Path.GetTempPath(), stop.Token);
        }
        catch (Exception) when (stop.IsCancellationRequested) // cancelled, or its connection cut as it was
        {
            Log("stopped before it finished: the backup under way was not kept");
            return 1;
        }
    }

    private const string Usage = """
        Usage: slipway-edge serve [--dir DIR] [--address ADDR] [--metrics-address ADDR] [--control-port N --control-token-file FILE [--control-peers NAME:PORT]]
               slipway-edge relay --socket PATH
               slipway-edge relay --connect HOST:PORT --token-file FILE
               slipway-edge probe ADDRESS:PORT...
               slipway-edge schedule
               slipway-edge backup
               slipway-edge exec CONTAINER -- COMMAND...

        Runs Slipway's edge proxy in the foreground (slipway up starts it in the background).
          --dir DIR        its state directory: control socket, routes, certificates, log (default: the state directory's edge folder)
          --address ADDR   the address its public ports bind to (default: 127.0.0.1)
          --metrics-address ADDR
                           the address the apps' metrics ports bind to (default: 127.0.0.1)
          --control-port N, --control-token-file FILE
                           on a cluster: a port whose connections reach the control socket once they open with the token in FILE
          --control-peers NAME:PORT
                           on a cluster: a DNS name listing every edge, and their gates' port, asked for an ACME check another edge proves
        relay joins its stdin and stdout to a unix socket (the control socket): how a CLI on another machine reaches an edge
        in a container, through the engine's exec; with --connect, to an edge's control port on another node of a cluster.
        probe tries a TCP connection to each ADDRESS:PORT and prints "ADDRESS:PORT open|refused|timeout|unreachable".
        schedule runs every app's scheduled jobs on the engine (DOCKER_HOST, else its socket) until stopped.
        backup takes one scheduled backup as the plan in /.slipway-backup.json says (a run of an app's backup job).
        exec runs COMMAND in CONTAINER on the engine (DOCKER_HOST, else its socket), printing its output; exits with its code.
        Environment: SLIPWAY_EDGE_DIRECT=0 sends every request through YARP's path; SLIPWAY_EDGE_MAX_CONNECTIONS_PER_CLIENT
        bounds one client address's open connections (default 256, 0 for none).
        """;

    public static async Task<int> Main(string[] args)
    {
        ProcessMask.MakePrivate();
        if (args.Length == 0 || args is ["--help" or "-h"] || args is ["serve", .., "--help" or "-h"])
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? ErrorCodeExtensions.InvalidInput : 0;
        }
        if (args is ["relay", "--socket", var socket]) return await ControlRelay.RunAsync(socket);
        if (args is ["relay", "--connect", var gate, "--token-file", var gateToken]) return await ControlRelay.RunAsync(gate, gateToken);
        if (args is ["probe", .. var targets] && targets.Length > 0) return await PortProbe.RunAsync(targets, Console.Out);
        if (args is ["schedule"]) return await ScheduleAsync();
        if (args is ["backup"]) return await BackupAsync();
        if (args is ["exec", var container, "--", .. var command] && command.Length > 0) return await ExecAsync(container, command);
        if (args[0] != "serve") return Refuse($"unknown command \"{args[0]}\"");
        string? dir = null, address = null, metricsAddress = null, tokenFile = null, peers = null;
        int? controlPort = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dir" when i + 1 < args.Length:
                    dir = args[++i];
                    break;
                case "--address" when i + 1 < args.Length:
                    address = args[++i];
                    break;
                case "--metrics-address" when i + 1 < args.Length:
                    metricsAddress = args[++i];
                    break;
                case "--control-port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var port) && port is > 0 and < 65536:
                    controlPort = port;
                    i++;
                    break;
                case "--control-token-file" when i + 1 < args.Length:
                    tokenFile = args[++i];
                    break;
                case "--control-peers" when i + 1 < args.Length && ClusterGates.IsGate(args[i + 1]):
                    peers = args[++i];
                    break;
                default:
                    return Refuse($"unknown or incomplete option \"{args[i]}\"");
            }
        }
        if (!IPAddress.TryParse(address ?? "127.0.0.1", out var listen)) return Refuse($"--address: \"{address}\" is not an IP address");
        if (!IPAddress.TryParse(metricsAddress ?? "127.0.0.1", out var metricsListen))
            return Refuse($"--metrics-address: \"{metricsAddress}\" is not an IP address");
        if ((controlPort is null) != (tokenFile is null)) return Refuse("--control-port and --control-token-file go together");
        if (peers is not null && controlPort is null) return Refuse("--control-peers needs --control-port");
        byte[]? token = null;
        if (tokenFile is not null)
        {
            try { token = System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(tokenFile).Trim()); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Refuse($"--control-token-file: {e.Message}"); }
            if (token.Length < 32) return Refuse("--control-token-file: the token is shorter than 32 characters");
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return await EdgeServer.RunAsync(new EdgePaths(Path.GetFullPath(dir ?? StateDirectory.FromEnvironment().Edge)), listen, stop.Token,
            options: EdgeOptions.FromEnvironment(Environment.GetEnvironmentVariable) with
            {
                ControlGate = controlPort is { } gatePort ? new ControlGateOptions(gatePort, token!, peers) : null,
                MetricsAddress = metricsListen,
            });
    }

    private static int Refuse(string problem)
    {
        Console.Error.WriteLine($"error: {problem}");
        Console.Error.WriteLine("hint: see slipway-edge --help");
        return ErrorCodeExtensions.InvalidInput;
    }
}
