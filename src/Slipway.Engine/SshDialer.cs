using System.Diagnostics;
using System.Text;
using Slipway.Foundation;

namespace Slipway.Engine;

/// <summary><c>ssh://[user@]host[:port]</c>: the server, and who logs in to it.</summary>
public sealed record SshTarget(string? User, string Host, int? Port)
{
    public static bool TryParse(string value, out SshTarget? target)
    {
        target = null;
        value = value.TrimEnd('/');
        if (value.Length == 0 || value.Contains('/') || value.Any(char.IsWhiteSpace)) return false;
        var at = value.LastIndexOf('@');
        var user = at >= 0 ? value[..at] : null;
        var hostPort = value[(at + 1)..];
        if (user is "" || (user is not null && user.StartsWith('-'))) return false;
        int? port = null;
        var colon = hostPort.StartsWith('[') ? hostPort.IndexOf("]:", StringComparison.Ordinal) + 1 : hostPort.Count(c => c == ':') == 1 ? hostPort.IndexOf(':') : -1;
        if (colon > 0)
        {
            if (!int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p)
                || p is < 1 or > 65535)
                return false;
            port = p;
            hostPort = hostPort[..colon];
        }
        var host = hostPort.Trim('[', ']');
        // A host that starts with '-' would be read by ssh as an option.
        if (host.Length == 0 || host.StartsWith('-')) return false;
        target = new SshTarget(user, host, port);
        return true;
    }

    public string Login => User is null ? Host : $"{User}@{Host}";

    public override string ToString() => $"ssh://{Login}{(Port is { } p ? $":{p}" : "")}";
}

/// <summary>
/// An engine on a server, reached as the docker CLI reaches it: the user's own <c>ssh</c> (its config, agent and known_hosts)
/// runs <c>docker system dial-stdio</c> there, and the engine's API flows over that session's stdin and stdout.
/// Every connection shares one ssh login (OpenSSH's connection sharing), which stays open a minute for the next command.
/// <c>ssh</c> never asks anything (BatchMode): a host key it does not know or a password it would need is an error.
/// </summary>
/// <param name="SshCommand">The ssh program and options to use (<c>SLIPWAY_SSH_COMMAND</c>, as git's GIT_SSH_COMMAND); null: <c>ssh</c>.</param>
public sealed record SshDialer(SshTarget Target, IReadOnlyList<string>? SshCommand = null) : EngineDialer
{
    /// <summary>The command line, as data: what runs for each connection.</summary>
    public IReadOnlyList<string> CommandLine(string controlFolder)
    {
        var line = new List<string>(SshCommand is { Count: > 0 } given ? given : ["ssh"])
        {
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=10",
            "-o", "ServerAliveInterval=15",
            "-o", "ControlMaster=auto",
            "-o", $"ControlPath={controlFolder}/%C",
            "-o", "ControlPersist=60",
        };
        if (Target.User is { } user) line.AddRange(["-l", user]);
        if (Target.Port is { } port) line.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        line.AddRange(["--", Target.Host, "docker", "system", "dial-stdio"]);
        return line;
    }

    /// <summary>
    /// Where the shared logins' sockets live: a folder of the user's own ssh folder (~/.ssh/slipway, 0700), as OpenSSH
    /// advises for ControlPath, never a shared temporary folder another user could have made first.
    /// </summary>
    public static string ControlFolder()
    {
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } given ? given : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var ssh = Path.Combine(home, ".ssh");
        var folder = Path.Combine(ssh, "slipway");
        foreach (var dir in new[] { ssh, folder })
        {
            if (Directory.Exists(dir)) continue;
            Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return folder;
    }

    public override ValueTask<EngineConnection> ConnectAsync(CancellationToken ct)
    {
        var line = CommandLine(ControlFolder());
        var start = new ProcessStartInfo(line[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in line.Skip(1)) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlipwayException(ErrorCode.EngineUnreachable, $"cannot run {line[0]} to reach {Target}: {e.Message}",
                "install the OpenSSH client (ssh), or set SLIPWAY_SSH_COMMAND to yours");
        }
        return ValueTask.FromResult<EngineConnection>(new SshConnection(process, Target));
    }
}

/// <summary>One <c>ssh ... docker system dial-stdio</c>: its stdout is what the engine says, its stdin what it is told.</summary>
internal sealed class SshConnection : StreamConnection
{
    private readonly Process _process;
    private readonly SshTarget _target;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrRead;
    private bool _anyRead;

    public SshConnection(Process process, SshTarget target) : base(process.StandardOutput.BaseStream, process.StandardInput.BaseStream)
    {
        _process = process;
        _target = target;
        _stderrRead = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int read;
            while ((read = await process.StandardError.ReadAsync(buffer)) > 0)
                lock (_stderr) if (_stderr.Length < 16_384) _stderr.Append(buffer, 0, read);
        });
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var read = await Inner.ReadAsync(buffer, ct);
        if (read > 0)
        {
            _anyRead = true;
            return read;
        }
        if (!_anyRead) await ThrowWhatSshSaidAsync(ct);
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>An ssh that already gave up closes its stdin: the request cannot be written, and ssh's own words say why.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        try
        {
            await Output.WriteAsync(buffer, ct);
            await Output.FlushAsync(ct); // a pipe to ssh: what is written must reach it now, not when a buffer fills
        }
        catch (IOException) when (!_anyRead)
        {
            await ThrowWhatSshSaidAsync(ct);
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>The session ended before the engine said anything: ssh (or the server) said why on stderr.</summary>
    private async Task ThrowWhatSshSaidAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            await _stderrRead.WaitAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return;
        }
        string said;
        lock (_stderr) said = _stderr.ToString();
        throw new SshFailedException(SshFailure.Explain(_target, _process.ExitCode, said));
    }

    public override ValueTask CloseWriteAsync()
    {
        _process.StandardInput.Close();
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                if (!_process.HasExited) _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // it ended on its own meanwhile
            }
            _process.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>ssh could not give an engine connection; the error says why in one line, with what to do.</summary>
public sealed class SshFailedException(SlipwayException error) : IOException(error.Message, error)
{
    public SlipwayException Error { get; } = error;
}

/// <summary>What ssh's (or the server's) words on stderr mean for the user: pure, so every case is tested as data.</summary>
public static class SshFailure
{
    public static SlipwayException Explain(SshTarget target, int exitCode, string stderr)
    {
        bool Says(string text) => stderr.Contains(text, StringComparison.OrdinalIgnoreCase);
        var port = target.Port ?? 22;
        var lastLine = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"ssh exited with code {exitCode}";
        return Says("REMOTE HOST IDENTIFICATION HAS CHANGED")
            ? new(ErrorCode.EngineUnreachable, $"{target}: the server's host key changed since it was last trusted; nothing was changed",
                $"if {target.Host} was reinstalled, remove its old key (ssh-keygen -R {target.Host}) and check the new one; otherwise someone may be intercepting the connection")
            : Says("Host key verification failed") || Says("No ED25519 host key is known") || Says("host key is not known")
            ? new(ErrorCode.EngineUnreachable, $"{target}: the server's host key is not known; nothing was changed",
                $"log in once with ssh {target.Login}{(target.Port is { } p ? $" -p {p}" : "")} and check the key's fingerprint: Slipway never trusts a key on its own")
            : Says("Permission denied") && !Says("docker daemon socket") && !Says("docker.sock")
            ? new(ErrorCode.EngineUnreachable, $"{target}: the server refused the login{(target.User is { } u ? $" of {u}" : "")}; nothing was changed",
                "load your key into ssh-agent (ssh-add) or name it in ~/.ssh/config, and make sure the server has it in authorized_keys")
            : Says("Could not resolve hostname") || Says("Name or service not known")
            ? new(ErrorCode.EngineUnreachable, $"{target}: cannot resolve the host name {target.Host}",
                "check the host name in the engine's address (environments.<name>.engine, DOCKER_HOST or the Docker context)")
            : Says("Connection refused")
            ? new(ErrorCode.EngineUnreachable, $"{target}: the server refused the connection on port {port}; nothing was changed",
                $"check that sshd runs on {target.Host} and listens on port {port}")
            : Says("timed out") || Says("No route to host") || Says("Network is unreachable") || Says("Connection closed by")
            ? new(ErrorCode.EngineUnreachable, $"{target}: cannot reach the server ({lastLine})",
                $"check that {target.Host} is up and that port {port} is open to this machine")
            : Says("docker daemon socket") || Says("docker.sock: connect: permission denied")
            ? new(ErrorCode.EngineUnreachable, $"{target}: {target.User ?? "this user"} may not use the engine on the server",
                $"add {target.User ?? "the user"} to the docker group on {target.Host}, or log in as a user who may")
            : Says("Cannot connect to the Docker daemon") || Says("Is the docker daemon running")
            ? new(ErrorCode.EngineUnreachable, $"{target}: no container engine runs on the server; nothing was changed",
                $"start it there (systemctl start docker), then run the command again")
            : exitCode == 127 || Says("command not found") || Says("No such file or directory")
            ? new(ErrorCode.EngineUnreachable, $"{target}: the server has no docker command, which ssh:// needs (docker system dial-stdio)",
                $"install Docker on {target.Host}")
            : new(ErrorCode.EngineUnreachable, $"{target}: ssh failed: {lastLine}",
                $"try ssh {target.Login} docker version yourself to see what the server says");
    }
}
