using System.Text;
using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// The control gate a cluster's relay reaches an edge through: its control API for a connection that opens with the token,
/// nothing at all for one that does not, is too long, too slow, or one too many.
/// </summary>
[Trait("Tier", "edge")]
public sealed class ControlGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly byte[] Token = Encoding.ASCII.GetBytes(new string('k', 43));
    private const string Info = $"GET {EdgeControlApi.Prefix}/info HTTP/1.1\r\nHost: {EdgeControlApi.Host}\r\n\r\n";

    private static async Task<(EdgeHost Edge, int Port)> StartAsync(TempDirectory dir, TimeProvider? time = null)
    {
        var port = FreePort.Next();
        return (await EdgeHost.StartAsync(Path.Combine(dir.Path, "edge"), time, controlGate: new ControlGateOptions(port, Token)), port);
    }

    [Fact]
    public void Only_the_greeting_with_the_exact_token_is_accepted()
    {
        var greeting = Encoding.ASCII.GetBytes(ControlGate.Greeting);
        Assert.True(ControlGate.Accepts([.. greeting, .. Token], Token));
        Assert.False(ControlGate.Accepts([.. greeting, .. Token, (byte)'x'], Token));
        Assert.False(ControlGate.Accepts([.. greeting, .. Token.AsSpan(0, Token.Length - 1), (byte)'j'], Token));
        Assert.False(ControlGate.Accepts([.. Encoding.ASCII.GetBytes("SLIPWAY-CONTROl "), .. Token], Token));
        Assert.False(ControlGate.Accepts(greeting, Token));
    }

    [Fact]
    public async Task A_connection_that_opens_with_the_token_reaches_the_control_api_even_with_its_request_in_the_same_packet()
    {
        using var dir = new TempDirectory("slipway-gate");
        var (edge, port) = await StartAsync(dir);
        await using var _ = edge;
        using var client = await RawClient.ConnectAsync(port, Ct);

        await client.SendAsync($"{ControlGate.Greeting}{Encoding.ASCII.GetString(Token)}\n{Info}", Ct);
        var answer = await client.ReadResponseAsync(Ct);

        Assert.Equal(200, answer.Status);
        Assert.Contains($"\"processId\":{Environment.ProcessId}", answer.Body); // the edge in this process answered
    }

    [Theory]
    [InlineData("wrong token")]
    [InlineData("no greeting")]
    [InlineData("oversized")]
    public async Task A_connection_without_the_token_is_closed_without_a_byte_in_answer(string kind)
    {
        using var dir = new TempDirectory("slipway-gate");
        var (edge, port) = await StartAsync(dir);
        await using var _ = edge;
        using var client = await RawClient.ConnectAsync(port, Ct);

        await client.SendAsync(kind switch
        {
            "wrong token" => $"{ControlGate.Greeting}{new string('j', Token.Length)}\n{Info}",
            "no greeting" => Info,
            _ => ControlGate.Greeting + new string('k', ControlGate.MaxGreeting + 10),
        }, Ct);

        Assert.True(await client.IsClosedAsync(Ct));
    }

    [Fact]
    public async Task A_connection_that_does_not_finish_its_greeting_in_time_is_closed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var dir = new TempDirectory("slipway-gate");
        var (edge, port) = await StartAsync(dir, time);
        await using var _ = edge;
        using var client = await RawClient.ConnectAsync(port, Ct);
        await client.SendAsync(ControlGate.Greeting, Ct);

        var closed = client.IsClosedAsync(Ct);
        // The gate's deadline starts when it accepts the connection: move the clock on until it has passed.
        for (var i = 0; i < 200 && !closed.IsCompleted; i++)
        {
            time.Advance(ControlGate.GreetingTimeout);
            await Task.WhenAny(closed, Task.Delay(50, Ct));
        }

        Assert.True(closed.IsCompleted && await closed);
    }

    [Fact]
    public async Task Only_so_many_connections_may_wait_to_prove_themselves_at_once()
    {
        using var dir = new TempDirectory("slipway-gate");
        var (edge, port) = await StartAsync(dir);
        await using var _ = edge;
        var waiting = new List<RawClient>();
        try
        {
            for (var i = 0; i < ControlGate.MaxUnproven; i++)
            {
                waiting.Add(await RawClient.ConnectAsync(port, Ct));
                await waiting[^1].SendAsync("S", Ct);
            }
            // Once the gate holds those, one more, even with the token, is closed unanswered; until then it would be served.
            await Eventually.WaitUntilAsync(async () =>
            {
                using var extra = await RawClient.ConnectAsync(port, Ct);
                await extra.SendAsync($"{ControlGate.Greeting}{Encoding.ASCII.GetString(Token)}\n{Info}", Ct);
                return await extra.IsClosedAsync(Ct);
            }, TimeSpan.FromSeconds(10), $"a connection beyond {ControlGate.MaxUnproven} waiting ones is closed unanswered");
        }
        finally
        {
            foreach (var client in waiting) client.Dispose();
        }
    }
}
