using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// Every phase of a request on the direct path has a bound, as on Kestrel's: a client slow with its head or body gets a 408, an
/// idle connection is closed, a silent backend gets the client a 504. The edge's clock is a fake one that only the test moves,
/// a second at a time, until the edge answers; so each bound is checked from below exactly and nothing waits for real time.
/// </summary>
[Trait("Tier", "edge")]
public sealed class SlowPeerTests : IAsyncLifetime
{
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly int _port = FreePort.Next();
    private EdgeWithBackends _edge = null!;
    private RawBackend _backend = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _edge = await EdgeWithBackends.StartAsync("slipway-slow", _time);
        _backend = new RawBackend(request => request.Path == "/silent" ? RawBackend.Silence : RawBackend.Ok($"{request.Body.Length}"));
        await _edge.Edge.Client.DeployAsync("shop", new DeployArgs("v1", _port, null, [new EdgeTarget("shop-v1", _backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _backend.DisposeAsync();
    }

    /// <summary>Moves the edge's clock a second at a time until <paramref name="done"/> completes; returns how far it moved.</summary>
    private async Task<TimeSpan> AdvanceUntilAsync(Task done, int maxSeconds = 300)
    {
        var moved = TimeSpan.Zero;
        while (!done.IsCompleted)
        {
            Assert.True(moved.TotalSeconds < maxSeconds, $"the edge did not act within {maxSeconds} s of its clock");
            _time.Advance(TimeSpan.FromSeconds(1));
            moved += TimeSpan.FromSeconds(1);
            await Task.WhenAny(done, Task.Delay(20, Ct));
        }
        return moved;
    }

    [Fact]
    public async Task A_head_that_never_ends_gets_a_408_after_the_head_timeout()
    {
        using var client = await RawClient.ConnectAsync(_port, Ct);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: shop.test\r\n", Ct);
        var answer = client.ReadResponseAsync(Ct);

        var moved = await AdvanceUntilAsync(answer);

        Assert.Equal(408, (await answer).Status);
        Assert.True(moved >= DirectForwarder.HeadTimeout, $"answered after {moved}");
        Assert.True(await client.IsClosedAsync(Ct));
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_the_idle_timeout()
    {
        using var client = await RawClient.ConnectAsync(_port, Ct);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
        Assert.Equal(200, (await client.ReadResponseAsync(Ct)).Status);
        var closed = client.IsClosedAsync(Ct);

        var moved = await AdvanceUntilAsync(closed);

        Assert.True(await closed);
        Assert.True(moved >= DirectForwarder.IdleTimeout, $"closed after {moved}");
    }

    [Fact]
    public async Task A_body_that_stops_coming_gets_a_408_after_the_grace_period_and_never_reaches_the_backend_whole()
    {
        using var client = await RawClient.ConnectAsync(_port, Ct);
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 1000\r\n\r\n0123456789", Ct);
        var answer = client.ReadResponseAsync(Ct);

        var moved = await AdvanceUntilAsync(answer);

        Assert.Equal(408, (await answer).Status);
        Assert.True(moved >= DirectForwarder.BodyGrace && moved < DirectForwarder.BackendTimeout, $"answered after {moved}");
        Assert.True(await client.IsClosedAsync(Ct));
        Assert.Empty(_backend.Requests);
    }

    [Fact]
    public async Task A_body_at_the_minimum_rate_or_faster_is_not_cut_off()
    {
        using var client = await RawClient.ConnectAsync(_port, Ct);
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 2000\r\n\r\n", Ct);
        var answer = client.ReadResponseAsync(Ct);
        // 250 bytes a second for 8 seconds, past the grace period: above the 240 a second required.
        for (var second = 0; second < 8; second++)
        {
            // Each second passes once the edge has passed that second's bytes on: the clock never runs ahead of the edge.
            var before = _backend.BytesReceived;
            await client.SendAsync(new string('x', 250), Ct);
            for (var wait = 0; _backend.BytesReceived < before + 250; wait++)
            {
                Assert.True(wait < 10_000, $"the edge passed on second {second}'s bytes");
                await Task.Delay(1, Ct);
            }
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(("2000", 200), ((await answer).Body, (await answer).Status));
    }

    [Fact]
    public async Task A_backend_that_never_answers_gets_the_client_a_504_after_the_backend_timeout()
    {
        using var client = await RawClient.ConnectAsync(_port, Ct);
        await client.SendAsync("GET /silent HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
        var answer = client.ReadResponseAsync(Ct);

        var moved = await AdvanceUntilAsync(answer);

        Assert.Equal(504, (await answer).Status);
        Assert.True(moved >= DirectForwarder.BackendTimeout, $"answered after {moved}");
    }
}
