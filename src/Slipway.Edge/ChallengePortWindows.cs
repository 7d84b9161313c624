namespace Slipway.Edge;

/// <summary>
/// Challenge ports opened on request for a while (an ACME CA's check of a certificate another edge of the cluster gets), each
/// closed when asked or when its time is up, whichever comes first: a deploy that was killed leaves no port open for good.
/// </summary>
internal sealed class ChallengePortWindows(ListenerConfiguration listeners, TimeProvider time)
{
    public const int MaxSeconds = 600;
    private readonly Dictionary<int, CancellationTokenSource> _open = [];
    private readonly Lock _changing = new();

    /// <summary>Opens the port until <paramref name="open"/> has passed (a port opened again gets the new time); returns when it closes.</summary>
    public DateTimeOffset Open(int port, TimeSpan open)
    {
        var expiry = new CancellationTokenSource(open, time);
        lock (_changing)
        {
            if (_open.Remove(port, out var previous)) previous.Dispose();
            _open[port] = expiry;
            listeners.OpenChallengePort(port);
        }
        expiry.Token.Register(() => Close(port, expiry));
        return time.GetUtcNow() + open;
    }

    public void Close(int port)
    {
        lock (_changing)
        {
            if (!_open.Remove(port, out var window)) return;
            window.Dispose();
            listeners.CloseChallengePort(port);
        }
    }

    private void Close(int port, CancellationTokenSource window)
    {
        lock (_changing)
        {
            if (!_open.TryGetValue(port, out var current) || current != window) return; // opened again meanwhile
            _open.Remove(port);
            listeners.CloseChallengePort(port);
        }
        window.Dispose();
    }
}
