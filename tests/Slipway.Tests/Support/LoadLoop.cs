using System.Net;

namespace Slipway.Tests.Support;

/// <summary>
/// Requests in a loop from a few workers until stopped, counting answers and failures (a non-200 answer, a
/// refused connection or a client timeout is a failure, never an aborted test). Tests synchronise on its
/// counts rather than on time: start, wait for some requests, act, wait for more, stop.
/// </summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private readonly Task _workers;
    private int _sent;

    private LoadLoop(Uri url, int workers)
    {
        _workers = Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(url))));
    }

    public const int DefaultWorkers = 3;

    public static LoadLoop Start(Uri url, int workers = DefaultWorkers) => new(url, workers);

    public int Sent => Volatile.Read(ref _sent);

    public IReadOnlyList<string> Failures
    {
        get { lock (_failures) return _failures.ToList(); }
    }

    /// <summary>Waits until <paramref name="more"/> requests beyond those sent so far have completed.</summary>
    public Task WaitForMoreAsync(int more, string why)
    {
        var target = Sent + more;
        return Eventually.WaitUntilAsync(() => Task.FromResult(Sent >= target), TimeSpan.FromSeconds(60), $"{more} more requests went through ({why})");
    }

    /// <summary>Stops the workers and returns what they saw.</summary>
    public async Task<(int Sent, IReadOnlyList<string> Failures)> StopAsync()
    {
        await _stop.CancelAsync();
        await _workers;
        return (Sent, Failures);
    }

    private async Task WorkAsync(Uri url)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await Http.Client.GetAsync(url, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK) Fail($"HTTP {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Fail(e.Message);
            }
            Interlocked.Increment(ref _sent);
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private void Fail(string why)
    {
        lock (_failures) _failures.Add(why);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
