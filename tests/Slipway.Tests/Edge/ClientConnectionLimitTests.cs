using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>One client address may hold only so many connections open: beyond that, each new one is closed at once.</summary>
[Trait("Tier", "edge")]
public sealed class ClientConnectionLimitTests
{
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Whether the edge closes a new connection at once; it may reset it before the client's connect has even returned.</summary>
    private static async Task<bool> ClosedAtOnceAsync(int port)
    {
        try
        {
            using var client = await RawClient.ConnectAsync(port, Ct);
            return await client.IsClosedAsync(Ct);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
            return true;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_over_its_bound_of_connections_is_closed_at_once_and_served_again_once_under_it(bool directPath)
    {
        using var dir = new TempDirectory("slipway-limit");
        await using var edge = await EdgeHost.StartAsync(Path.Combine(dir.Path, "edge"), directForwarding: directPath, maxConnectionsPerClient: 3);
        await using var backend = new RawBackend(request => RawBackend.Ok(request.Path));
        var port = FreePort.Next();
        await edge.Client.DeployAsync("shop", new DeployArgs("v1", port, null, [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
        var held = new List<RawClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await RawClient.ConnectAsync(port, Ct);
            await client.SendAsync("GET /held HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
            Assert.Equal("/held", (await client.ReadResponseAsync(Ct)).Body);
            held.Add(client);
        }

        Assert.True(await ClosedAtOnceAsync(port), "a fourth connection was kept open");
        held[0].Dispose();
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                using var again = await RawClient.ConnectAsync(port, Ct);
                await again.SendAsync("GET /again HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
                return (await again.ReadResponseAsync(Ct)).Body == "/again";
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                return false; // closed: the edge had not yet counted the connection that ended
            }
        }, TimeSpan.FromSeconds(10), "a new connection is served once one closed");
        foreach (var client in held) client.Dispose();
    }
}
