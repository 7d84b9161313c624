using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// A backend that answers more than it was asked must never make the edge give one user's answer to another, on either path.
/// Each attack is made a thousand times, each followed by another user's request on a new connection (once the backend has
/// written its extra bytes, so the edge had the chance to see them) and by the attacker's own next request.
/// </summary>
[Trait("Tier", "proof")]
public sealed class DesyncTests
{
    private const int Tries = 1000;
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the attacker makes the backend send: a full answer with a cookie of its choosing.</summary>
    private const string Poison = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nSet-Cookie: session=attacker\r\n\r\npoison";

    public enum Attack
    {
        /// <summary>A GET whose body is a second request, to a backend that reads no body on a GET (Python's http.server).</summary>
        SmuggledInAnIgnoredBody,

        /// <summary>A backend that writes a second answer a moment after the first.</summary>
        SecondAnswerUnasked,

        /// <summary>A HEAD answer whose announced body arrives anyway, late.</summary>
        BodyAfterAHeadAnswer,
    }

    public static TheoryData<Attack, bool> Cases()
    {
        var cases = new TheoryData<Attack, bool>();
        foreach (var attack in Enum.GetValues<Attack>())
        {
            cases.Add(attack, true);
            cases.Add(attack, false);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task No_answer_reaches_a_request_it_was_not_for(Attack attack, bool directPath)
    {
        await using var edge = await EdgeWithBackends.StartAsync("slipway-desync", directForwarding: directPath);
        await using var backend = new RawBackend(request => request.Path switch
        {
            "/smuggled" => Encoding.ASCII.GetBytes(Poison),
            "/head" => Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {Poison.Length}\r\n\r\n"),
            var path => RawBackend.Ok(path),
        })
        {
            IgnoreBodies = attack == Attack.SmuggledInAnIgnoredBody,
            Unasked = request => attack != Attack.SmuggledInAnIgnoredBody && request.Path is "/attack" or "/head" ? Encoding.ASCII.GetBytes(Poison) : null,
        };
        var port = FreePort.Next();
        await edge.Edge.Client.DeployAsync("shop", new DeployArgs("v1", port, null, [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
        const string smuggled = "GET /smuggled HTTP/1.1\r\nHost: shop.test\r\n\r\n";
        var attackRequest = attack switch
        {
            Attack.SmuggledInAnIgnoredBody => $"GET /attack HTTP/1.1\r\nHost: shop.test\r\nContent-Length: {smuggled.Length}\r\n\r\n{smuggled}",
            Attack.SecondAnswerUnasked => "GET /attack HTTP/1.1\r\nHost: shop.test\r\n\r\n",
            _ => "HEAD /head HTTP/1.1\r\nHost: shop.test\r\n\r\n",
        };

        var wrong = new List<string>();
        for (var i = 0; i < Tries && wrong.Count < 5; i++)
        {
            using var attacker = await RawClient.ConnectAsync(port, Ct);
            await attacker.SendAsync(attackRequest, Ct);
            await attacker.ReadResponseAsync(Ct, toHeadRequest: attack == Attack.BodyAfterAHeadAnswer);
            for (var wait = 0; backend.UnaskedWritten <= i; wait++)
            {
                Assert.True(wait < 10_000, $"the backend wrote its unasked answer {i}");
                await Task.Delay(1, Ct);
            }
            using var victim = await RawClient.ConnectAsync(port, Ct);
            await victim.SendAsync($"GET /victim-{i} HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
            var answer = await victim.ReadResponseAsync(Ct);
            if (answer.Body != $"/victim-{i}") wrong.Add($"another user's try {i}: {answer.Status} {answer.Body}");
            await attacker.SendAsync($"GET /again-{i} HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
            var again = await attacker.ReadResponseAsync(Ct);
            if (again.Body != $"/again-{i}") wrong.Add($"the attacker's next request {i}: {again.Status} {again.Body}");
        }

        Assert.Empty(wrong);
    }
}

/// <summary>The rules about backend connections that keep answers where they belong: who holds them, and what is sent again.</summary>
[Trait("Tier", "proof")]
public sealed class BackendConnectionTests
{
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<int> DeployAsync(EdgeWithBackends edge, RawBackend backend)
    {
        var port = FreePort.Next();
        await edge.Edge.Client.DeployAsync("shop", new DeployArgs("v1", port, null, [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
        return port;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backend_connection_serves_one_client_connection_and_closes_with_it(bool directPath)
    {
        await using var edge = await EdgeWithBackends.StartAsync("slipway-bound", directForwarding: directPath);
        await using var backend = new RawBackend(request => RawBackend.Ok(request.Path));
        var port = await DeployAsync(edge, backend);

        using (var first = await RawClient.ConnectAsync(port, Ct))
        using (var second = await RawClient.ConnectAsync(port, Ct))
        {
            foreach (var client in new[] { first, second, first, second })
            {
                await client.SendAsync("GET /a HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
                Assert.Equal("/a", (await client.ReadResponseAsync(Ct)).Body);
            }
            Assert.Equal(2, backend.OpenAppConnections);
        }

        await Eventually.WaitUntilAsync(() => Task.FromResult(backend.OpenAppConnections == 0), TimeSpan.FromSeconds(10),
            "the backend connections closed with their clients'");
        Assert.Equal(2, backend.Requests.Select(r => r.Connection).Distinct().Count());
    }

    [Theory]
    [InlineData("POST", 1, 502)]
    [InlineData("GET", 2, 200)]
    public async Task Only_an_idempotent_request_is_sent_again_when_a_kept_alive_connection_closes_without_an_answer(string method, int sent, int status)
    {
        await using var edge = await EdgeWithBackends.StartAsync("slipway-retry");
        // Each connection answers its first request, then reads the next and closes without a word.
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await using var backend = new RawBackend(request =>
            answered.AddOrUpdate(request.Connection, 1, (_, n) => n + 1) == 1 ? RawBackend.Ok(request.Path) : null);
        var port = await DeployAsync(edge, backend);
        using var client = await RawClient.ConnectAsync(port, Ct);
        await client.SendAsync("GET /first HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
        Assert.Equal(200, (await client.ReadResponseAsync(Ct)).Status);

        await client.SendAsync($"{method} /order HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 2\r\n\r\nid", Ct);
        var answer = await client.ReadResponseAsync(Ct);

        Assert.Equal((status, sent), (answer.Status, backend.Requests.Count(r => r.Path == "/order")));
    }
}
