using System.Diagnostics;
using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>An engine daemon a test starts (a second dockerd, podman's service): its output kept in a log, waited for until its API answers.</summary>
public static class TestDaemon
{
    /// <summary>Starts it; the caller keeps the process at once, so that its cleanup stops it even if it never answers.</summary>
    public static Process Start(ProcessStartInfo start, string log, CancellationToken ct)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var daemon = Process.Start(start)!;
        _ = daemon.StandardOutput.ReadToEndAsync(ct).ContinueWith(t => File.AppendAllText(log, t.Result), TaskScheduler.Default);
        _ = daemon.StandardError.ReadToEndAsync(ct).ContinueWith(t => File.AppendAllText(log, t.Result), TaskScheduler.Default);
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
                Assert.True(i < 300 && !daemon.HasExited, $"{what} did not answer on {dockerHost}: see {log}");
                await Task.Delay(100, ct);
            }
        }
    }
}
