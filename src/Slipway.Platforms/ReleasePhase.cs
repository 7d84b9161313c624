using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>
/// The release phase's policy on every platform: the command's output shown as progress, its last lines kept for
/// the error, its time limit on the injected clock, and one error for a failure or a timeout that says nothing was
/// rolled out. The platform supplies only how a one-off command of a version runs.
/// </summary>
public static class ReleasePhase
{
    private const int TailLines = 10;

    /// <param name="runOneOff">Runs the command in <paramref name="version"/>'s image, streaming its lines; returns its exit code.</param>
    public static async Task RunAsync(AppManifest app, string version, IStageLog log, TimeProvider time,
        Func<IReadOnlyList<string>, Action<string>, CancellationToken, Task<int>> runOneOff, CancellationToken ct)
    {
        var release = app.Release!;
        var tail = new Queue<string>();
        using var timeout = new CancellationTokenSource(release.Timeout, time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        int exit;
        try
        {
            exit = await runOneOff(release.Command, line =>
            {
                log.Info(line);
                tail.Enqueue(line);
                if (tail.Count > TailLines) tail.Dequeue();
            }, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new SlipwayException(ErrorCode.HookFailed, $"the release command of {version} did not finish within {Duration.Format(release.Timeout)}; it was stopped",
                "make it faster or raise release.timeout; nothing was rolled out, the serving release is unchanged");
        }
        if (exit != 0)
            throw new SlipwayException(ErrorCode.HookFailed,
                $"the release command of {version} exited with {exit}; nothing was rolled out" +
                string.Concat(tail.Select(l => $"{Environment.NewLine}    {l}")),
                "fix the command (or what it needs) and run up again; the serving release is unchanged");
    }
}
