using System.Diagnostics;
using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>An engine daemon a test starts (a second dockerd, podman's service): its output kept in a log, waited for until its API answers.</summary>
public static class TestDaemon
{
    /// <summary>
    /// Starts it in a session of its own, so that no signal meant for the test run's process group (a terminal's Ctrl-C,
    /// <c>timeout</c> passing one on) reaches a test server's daemons while a test uses them: only its cleanup stops them.
    /// The caller keeps the process at once, so that its cleanup stops it even if it never answers. (setsid(1) execs in
    /// place, the pid unchanged, since a child started here is no process group's leader.)
    /// </summary>
    public static Process Start(ProcessStartInfo start, string log, CancellationToken ct)
    {
        start.ArgumentList.Insert(0, start.FileName);
        start.FileName = "setsid";
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Written as it comes, so a test can read what the daemon said so far (a request it answered, a login it let in).
        var writer = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        void Write(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (writer)
            {
                try { writer.WriteLine(e.Data); }
                catch (ObjectDisposedException) { } // its last words after it exited
            }
        }
        var daemon = new Process { StartInfo = start, EnableRaisingEvents = true };
        daemon.OutputDataReceived += Write;
        daemon.ErrorDataReceived += Write;
        daemon.Exited += (_, _) => { lock (writer) writer.Dispose(); };
        daemon.Start();
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        return daemon;
    }

    public static async Task WaitUntilAnswersAsync(Process daemon, string log, string dockerHost, string what, CancellationToken ct)
    {
        using var engine = TestEngine.Create(dockerHost);
        for (var i = 0; ; i++)
        {
            try
            {
                await engine.VersionAsync(ct);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or OperationCanceledException or EngineTimeoutException
                                       && !ct.IsCancellationRequested)
            {
                // Bounded, and generous: a swarm manager's engine restarting on a loaded machine restores its raft state first.
                if (i >= 1200 || daemon.HasExited)
                    Assert.Fail($"{what} did not answer on {dockerHost} ({(daemon.HasExited ? $"it exited with {daemon.ExitCode}" : "2 min")}); "
                                + $"the end of {log}:{Environment.NewLine}{string.Join(Environment.NewLine, File.Exists(log) ? File.ReadLines(log).TakeLast(15) : [])}");
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>
    /// Stops a daemon the test started: SIGTERM, so that it stops what it runs itself (a SIGKILL would leave shims and
    /// mounts behind), and its process tree killed if it has not exited within 30 s.
    /// </summary>
    public static async Task StopAsync(Process? daemon)
    {
        if (daemon is not { HasExited: false }) return;
        await Shell.RunAsync($"kill -TERM {daemon.Id}", CancellationToken.None);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await daemon.WaitForExitAsync(patience.Token); }
        catch (OperationCanceledException) { daemon.Kill(entireProcessTree: true); }
    }
}
