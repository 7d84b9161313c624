using System.Diagnostics;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;

    /// <summary>Asserts the command exited 0, showing its output when it did not; returns it for further checks.</summary>
    public CliResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}: {All}");
        return this;
    }
}

public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly System.Text.StringBuilder _stderrSoFar = new();
    private readonly System.Text.StringBuilder _stdoutSoFar = new();

    /// <param name="input">Written to its stdin; then stdin is closed, unless <paramref name="keepInputOpen"/> (a terminal's stays open).</param>
    public RunningCli(Process process, string? input = null, bool keepInputOpen = false)
    {
        _process = process;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Flush();
        }
        if (!keepInputOpen) process.StandardInput.Close();
        _stdout = ReadAsync(process.StandardOutput, _stdoutSoFar);
        _stderr = ReadAsync(process.StandardError, _stderrSoFar);
    }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>What the run has written to stderr so far, for a test to synchronise on its progress.</summary>
    public string StderrSoFar
    {
        get { lock (_stderrSoFar) return _stderrSoFar.ToString(); }
    }

    /// <summary>What the run has written to stdout so far (a long-running command's URL, say).</summary>
    public string StdoutSoFar
    {
        get { lock (_stdoutSoFar) return _stdoutSoFar.ToString(); }
    }

    /// <summary>kill -9: no chance to clean up, as when a machine or a terminal dies.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: false);

    /// <summary>
    /// SIGINT, as Ctrl-C in a terminal sends it. A process started in the background of a non-interactive shell
    /// inherits SIGINT ignored (as such jobs must), and then nothing can make it hear one: it gets SIGTERM, which
    /// the CLI handles the same way.
    /// </summary>
    public void Interrupt()
    {
        var ignored = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var sigintIgnored = (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
        using var kill = Process.Start("kill", [sigintIgnored ? "-TERM" : "-INT", _process.Id.ToString()]);
        kill.WaitForExit();
    }

    public async Task<CliResult> WaitAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw;
        }
        return new CliResult(_process.ExitCode, await _stdout, await _stderr);
    }

    private static async Task<string> ReadAsync(StreamReader reader, System.Text.StringBuilder soFar)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
            lock (soFar) soFar.Append(buffer, 0, read);
        lock (soFar) return soFar.ToString();
    }

    /// <summary>A run the test did not see end (it failed first) is killed, so none outlives its test.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It ended meanwhile.
        }
        _process.Dispose();
    }
}

/// <summary>Runs the real CLI as a separate process, as a user would, with its own state directory.</summary>
/// <param name="engine">The DOCKER_HOST every run gets (null: the environment's).</param>
/// <param name="program">The program's assembly beside the tests: slipway.dll, or a build of the CLI with more platforms registered.</param>
/// <param name="environment">Variables every run gets (a test server's ssh command), before a run's own.</param>
public sealed class SlipwayCli(string stateDirectory, string? engine = null, string program = SlipwayCli.DefaultProgram,
    IReadOnlyDictionary<string, string>? environment = null)
{
    private const string DefaultProgram = "slipway.dll";

    /// <summary>
    /// The program users run: the native build (<c>./slipway</c> publishes it) that scripts/test.sh names in SLIPWAY_TEST_CLI.
    /// Without it (a test run by hand), the CLI's assembly beside the tests, run by dotnet.
    /// </summary>
    private readonly string[] _command = program == DefaultProgram && Environment.GetEnvironmentVariable("SLIPWAY_TEST_CLI") is { Length: > 0 } native
        ? [native]
        : ["dotnet", Path.Combine(AppContext.BaseDirectory, program)];

    public string StateDirectory { get; } = stateDirectory;

    public async Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, CancellationToken ct = default,
        string? input = null)
    {
        var clock = Stopwatch.StartNew();
        using var running = Start(args, env, input);
        var result = await running.WaitAsync(ct);
        // In the test's output (shown when it fails, or with a detailed logger): each run, its time and what it printed.
        TestContext.Current.TestOutputHelper?.WriteLine($"$ slipway {string.Join(' ', args)}: exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s{Environment.NewLine}{result.All.TrimEnd()}");
        return result;
    }

    /// <summary>Starts the CLI without waiting, so a test can kill it mid-way.</summary>
    public RunningCli Start(IEnumerable<string> args, IDictionary<string, string>? env = null, string? input = null) =>
        new(Process.Start(StartInfo(_command[0], [.. _command.Skip(1), .. args], env))!, input);

    /// <summary>
    /// Runs the CLI on a terminal of its own (util-linux <c>script</c> gives it a pseudo-terminal), as a user at a
    /// keyboard does; <paramref name="input"/> is typed into it. Stdout then holds the terminal's output, stderr included.
    /// </summary>
    public async Task<CliResult> RunInTerminalAsync(IEnumerable<string> args, IDictionary<string, string>? env, string input, CancellationToken ct)
    {
        var line = string.Join(' ', _command.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        using var running = new RunningCli(Process.Start(StartInfo("script", ["-qec", line, "/dev/null"], env))!, input, keepInputOpen: true);
        return await running.WaitAsync(ct);
    }

    private ProcessStartInfo StartInfo(string program, IEnumerable<string> args, IDictionary<string, string>? env)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The CLI under test gets the basics of the runner's environment and nothing else (no AWS_*, proxies or SLIPWAY_* of
        // the runner's): what a test gives it is all that differs between runs.
        var inherited = start.Environment.Where(e => InheritedNames.Contains(e.Key) || e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList();
        start.Environment.Clear();
        foreach (var (key, value) in inherited) start.Environment[key] = value;
        start.Environment["SLIPWAY_STATE_DIR"] = StateDirectory;
        start.Environment["NO_COLOR"] = "1";
        if (engine is not null) start.Environment["DOCKER_HOST"] = engine;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null, TestContext.Current.CancellationToken);

    private static readonly HashSet<string> InheritedNames = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOCKER_HOST"];

    /// <summary>The container of the edge this state directory starts on this machine's engine.</summary>
    public string EdgeContainer => EdgeSite.OnThisMachine(Path.Combine(StateDirectory, "edge")).ContainerName;

    /// <summary>Stops the edge this state directory may have started, as <c>docker stop</c> does: its engine leaves it down.</summary>
    public async Task StopEdgeAsync()
    {
        using var client = TestEngine.Create(engine);
        if (await client.InspectContainerAsync(EdgeContainer, CancellationToken.None) is not null)
            await client.StopContainerAsync(EdgeContainer, TimeSpan.FromSeconds(15), CancellationToken.None);
    }

    /// <summary>Removes the edge this state directory may have started, so no test leaves a proxy behind.</summary>
    public async Task RemoveEdgeAsync()
    {
        using var client = TestEngine.Create(engine);
        await client.RemoveContainerAsync(EdgeContainer, CancellationToken.None);
        await client.RemoveContainerAsync(EdgeContainer.Replace("slipway-edge", "slipway-scheduler", StringComparison.Ordinal), CancellationToken.None);
    }
}
