using System.Net;
using System.Security.Cryptography;
using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// The edge's direct path for plain HTTP/1.1, through a real edge to backends on bare sockets, which see the exact bytes it sends:
/// what it forwards, how it frames answers, its keep-alive pool, and the requests it leaves to Kestrel and YARP.
/// </summary>
[Trait("Tier", "edge")]
public sealed class DirectForwarderTests : IAsyncLifetime
{
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);
    private readonly int _port = FreePort.Next();
    private readonly List<RawBackend> _backends = [];
    private EdgeWithBackends _edge = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _edge = await EdgeWithBackends.StartAsync("slipway-direct");

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
    }

    private async Task<RawBackend> DeployAsync(Func<RawRequest, byte[]?> answer, string app = "shop", string? host = null, string version = "v1")
    {
        var backend = new RawBackend(answer);
        _backends.Add(backend);
        await _edge.Edge.Client.DeployAsync(app, new DeployArgs(version, _port, host, [new EdgeTarget($"{app}-{version}", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
        return backend;
    }

    private Task<RawClient> ConnectAsync() => RawClient.ConnectAsync(_port, Ct);

    [Fact]
    public async Task A_request_reaches_the_backend_byte_for_byte_with_the_forwarding_fields_yarp_sets()
    {
        var backend = await DeployAsync(_ => RawBackend.Ok("hello", "Connection: keep-alive\r\nX-Slipway-Version: forged\r\n"));
        using var client = await ConnectAsync();

        await client.SendAsync("GET /p?q=1 HTTP/1.1\r\nHost: Shop.Test\r\nuser-agent: probe\r\nX-Forwarded-For: 6.6.6.6\r\n"
            + "X-Forwarded-Prefix: /evil\r\nForwarded: for=6.6.6.6\r\nConnection: keep-alive\r\n\r\n", Ct);
        var response = await client.ReadResponseAsync(Ct);

        Assert.Equal(("hello", "v1", null), (response.Body, response.Field("X-Slipway-Version"), response.Field("Connection")));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response.Head + "\r\n");
        var seen = Assert.Single(backend.Requests);
        Assert.StartsWith("GET /p?q=1 HTTP/1.1\r\n", seen.Head);
        Assert.Contains("\r\nuser-agent: probe", seen.Head); // as sent: YARP's path would have written User-Agent
        Assert.Equal($"127.0.0.1:{backend.Port}", seen.Field("Host"));
        Assert.Equal(["127.0.0.1"], seen.Fields("X-Forwarded-For"));
        Assert.Equal("http", seen.Field("X-Forwarded-Proto"));
        Assert.Equal($"Shop.Test:{_port}", seen.Field("X-Forwarded-Host"));
        Assert.Equal((null, null, null), (seen.Field("X-Forwarded-Prefix"), seen.Field("Forwarded"), seen.Field("Connection")));
    }

    [Fact]
    public async Task A_request_over_https_takes_the_direct_path_with_the_forwarding_fields_of_https()
    {
        var backend = new RawBackend(_ => RawBackend.Ok("secure"));
        _backends.Add(backend);
        var (certificate, key) = TestCertificates.Create("shop.test");
        await _edge.Edge.Client.DeployAsync("shop", new DeployArgs("v1", _port, "shop.test", [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Tls: new EdgeTls(certificate, key, null)), Ct);
        using var client = await RawClient.ConnectAsync(_port, Ct, tlsHost: "shop.test");

        await client.SendAsync("GET /p HTTP/1.1\r\nHost: shop.test\r\nuser-agent: probe\r\n\r\n", Ct);
        var first = await client.ReadResponseAsync(Ct);
        await client.SendAsync("GET /q HTTP/1.1\r\nHost: shop.test\r\n\r\n", Ct);
        var second = await client.ReadResponseAsync(Ct);

        Assert.Equal(("secure", "v1", "secure"), (first.Body, first.Field("X-Slipway-Version"), second.Body));
        Assert.All(backend.Requests, seen => Assert.Equal(("https", $"shop.test:{_port}"), (seen.Field("X-Forwarded-Proto"), seen.Field("X-Forwarded-Host"))));
        Assert.Contains("\r\nuser-agent: probe", backend.Requests[0].Head); // as sent: the direct path's, YARP's would write User-Agent
        Assert.Single(backend.Requests.Select(r => r.Connection).Distinct()); // one backend connection for the client's two requests
    }

    [Fact]
    public async Task A_request_left_to_yarp_reaches_the_backend_with_the_same_forwarding_fields()
    {
        var backend = await DeployAsync(_ => RawBackend.Ok("hello"));
        using var client = await ConnectAsync();

        // TE is one of the fields the direct path leaves to the full path; the next request on the connection is YARP's too.
        await client.SendAsync("GET /a HTTP/1.1\r\nHost: shop.test\r\nuser-agent: probe\r\nTE: trailers\r\n\r\n", Ct);
        var first = await client.ReadResponseAsync(Ct);
        await client.SendAsync("GET /b HTTP/1.1\r\nHost: shop.test\r\nuser-agent: probe\r\n\r\n", Ct);
        var second = await client.ReadResponseAsync(Ct);

        Assert.Equal(("hello", "v1", "hello", "v1"), (first.Body, first.Field("X-Slipway-Version"), second.Body, second.Field("X-Slipway-Version")));
        Assert.All(backend.Requests, seen =>
        {
            Assert.Contains("\r\nUser-Agent: probe", seen.Head); // written by YARP's HttpClient
            Assert.Equal($"127.0.0.1:{backend.Port}", seen.Field("Host"));
            Assert.Equal(("127.0.0.1", "http", $"shop.test:{_port}"), (seen.Field("X-Forwarded-For"), seen.Field("X-Forwarded-Proto"), seen.Field("X-Forwarded-Host")));
        });
        Assert.Equal(["/a", "/b"], backend.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task With_the_direct_path_off_every_request_takes_yarps()
    {
        using var dir = new TempDirectory("slipway-direct-off");
        await using var edge = await EdgeHost.StartAsync(Path.Combine(dir.Path, "edge"), directForwarding: false);
        await using var backend = new RawBackend(_ => RawBackend.Ok("hello"));
        await edge.Client.DeployAsync("shop", new DeployArgs("v1", _port, null, [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), Ct);
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nuser-agent: probe\r\n\r\n", Ct);

        Assert.Equal("hello", (await client.ReadResponseAsync(Ct)).Body);
        Assert.Contains("\r\nUser-Agent: probe", Assert.Single(backend.Requests).Head);
    }

    [Fact]
    public async Task Keep_alive_connections_to_the_backend_are_reused_and_pipelined_requests_answered_in_order()
    {
        var backend = await DeployAsync(r => RawBackend.Ok(r.Path));
        using var client = await ConnectAsync();

        await client.SendAsync(string.Concat(Enumerable.Range(0, 20).Select(i => $"GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")), Ct);
        var bodies = new List<string>();
        for (var i = 0; i < 20; i++) bodies.Add((await client.ReadResponseAsync(Ct)).Body);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"/{i}"), bodies);
        Assert.Single(backend.Requests.Select(r => r.Connection).Distinct());
    }

    [Fact]
    public async Task A_retired_releases_keep_alive_connections_are_closed_once_it_is_drained()
    {
        var old = await DeployAsync(_ => RawBackend.Ok("old"));
        using var client = await ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal("old", (await client.ReadResponseAsync(Ct)).Body);
        Assert.Equal(1, old.OpenAppConnections);

        await DeployAsync(_ => RawBackend.Ok("new"), version: "v2");

        await Eventually.WaitUntilAsync(() => Task.FromResult(old.OpenAppConnections == 0), TimeSpan.FromSeconds(10),
            "the edge to close its idle connection to the retired release");
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal("new", (await client.ReadResponseAsync(Ct)).Body);
    }

    [Fact]
    public async Task A_backend_closing_an_idle_connection_costs_no_request()
    {
        var backend = await DeployAsync(r => RawBackend.Ok(r.Path));
        backend.CloseAfterEachAnswer = true;
        using var client = await ConnectAsync();

        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync($"GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
            Assert.Equal((200, $"/{i}"), (await client.ReadResponseAsync(Ct)) is var r ? (r.Status, r.Body) : default);
        }
    }

    [Fact]
    public async Task Chunked_answers_pass_through_as_sent_and_the_connection_stays_usable()
    {
        const string chunked = "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
        await DeployAsync(r => Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}"));
        using var client = await ConnectAsync();

        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal(chunked, (await client.ReadResponseAsync(Ct)).Body);
        Assert.Equal(chunked, (await client.ReadResponseAsync(Ct)).Body);
    }

    [Fact]
    public async Task An_answer_delimited_by_closing_reaches_the_client_whole_and_closes_its_connection()
    {
        var backend = await DeployAsync(_ => Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"));
        backend.CloseAfterEachAnswer = true;
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        var response = await client.ReadResponseAsync(Ct);

        Assert.StartsWith("HTTP/1.1 200 OK", response.Head);
        Assert.Equal(("until the end", "close"), (response.Body, response.Field("Connection")));
    }

    [Fact]
    public async Task A_large_upload_and_its_echo_stream_through_unchanged()
    {
        var backend = await DeployAsync(r => [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {r.Body.Length}\r\n\r\n"), .. r.Body]);
        var upload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);

        using var response = await Http.Client.PostAsync($"http://127.0.0.1:{_port}/upload", new ByteArrayContent(upload), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SHA256.HashData(upload), SHA256.HashData(await response.Content.ReadAsByteArrayAsync(Ct)));
        Assert.Equal(upload.Length, Assert.Single(backend.Requests).Body.Length);
    }

    [Fact]
    public async Task Heads_longer_than_one_buffer_block_pass_both_ways()
    {
        var cookie = new string('c', 20_000); // a request head over Kestrel's 4 KiB blocks (and under its 32 KiB limit)
        var backend = await DeployAsync(r => RawBackend.Ok("big", $"Set-Cookie: {r.Field("Cookie")}{r.Field("Cookie")}\r\n")); // over 16 KiB
        using var client = await ConnectAsync();

        await client.SendAsync($"GET / HTTP/1.1\r\nHost: a\r\nCookie: {cookie}\r\n\r\n", Ct);
        var response = await client.ReadResponseAsync(Ct);

        Assert.Equal(("big", cookie + cookie), (response.Body, response.Field("Set-Cookie")));
        Assert.Equal(cookie, Assert.Single(backend.Requests).Field("Cookie"));
    }

    [Fact]
    public async Task A_client_asking_to_close_gets_its_answer_and_a_closed_connection()
    {
        await DeployAsync(_ => RawBackend.Ok("bye"));
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", Ct);
        var response = await client.ReadResponseAsync(Ct);

        Assert.Equal(("bye", "close"), (response.Body, response.Field("Connection")));
        Assert.True(await client.IsClosedAsync(Ct));
    }

    [Fact]
    public async Task A_backend_refusing_connections_gets_the_client_a_502_and_the_connection_stays_open()
    {
        var backend = await DeployAsync(_ => RawBackend.Ok("x"));
        backend.StopListening(); // still healthy to the edge: its next check is a minute away
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(502, (await client.ReadResponseAsync(Ct)).Status);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(502, (await client.ReadResponseAsync(Ct)).Status);
    }

    [Fact]
    public async Task An_interim_answer_is_not_passed_on_as_yarps_path_does_not()
    {
        await DeployAsync(_ => Encoding.ASCII.GetBytes("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        var response = await client.ReadResponseAsync(Ct);

        Assert.Equal((200, "ok", null), (response.Status, response.Body, response.Field("Link")));
    }

    [Fact]
    public async Task An_upload_expecting_100_continue_is_left_to_yarp_and_arrives_whole()
    {
        var backend = await DeployAsync(r => RawBackend.Ok(Encoding.ASCII.GetString(r.Body)));
        using var client = await ConnectAsync();

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", Ct);
        Assert.Equal(100, (await client.ReadResponseAsync(Ct, toHeadRequest: true)).Status);
        await client.SendAsync("hello", Ct);

        Assert.Equal("hello", (await client.ReadResponseAsync(Ct)).Body);
        Assert.Equal("hello", Encoding.ASCII.GetString(Assert.Single(backend.Requests).Body));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nBroken\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n")]
    public async Task An_ambiguous_or_broken_answer_becomes_a_502(string answer)
    {
        await DeployAsync(_ => Encoding.ASCII.GetBytes(answer));
        using var client = await ConnectAsync();

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal(502, (await client.ReadResponseAsync(Ct)).Status);
    }

    [Fact]
    public async Task A_request_with_two_lengths_is_refused_by_kestrel_and_never_reaches_the_backend()
    {
        var backend = await DeployAsync(_ => RawBackend.Ok("x"));
        using var client = await ConnectAsync();

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 30\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal(400, (await client.ReadResponseAsync(Ct)).Status);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task Host_names_on_one_port_reach_their_own_apps_and_an_unknown_one_gets_yarps_404()
    {
        await DeployAsync(_ => RawBackend.Ok("shop"), "shop", "shop.test");
        await DeployAsync(_ => RawBackend.Ok("blog"), "blog", "blog.test");
        using var client = await ConnectAsync();

        var bodies = new List<string>();
        foreach (var host in new[] { "SHOP.test", "blog.test", $"shop.test:{_port}" })
        {
            await client.SendAsync($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n", Ct);
            bodies.Add((await client.ReadResponseAsync(Ct)).Body);
        }
        await client.SendAsync("GET / HTTP/1.1\r\nHost: other.test\r\n\r\n", Ct);

        Assert.Equal(["shop", "blog", "shop"], bodies);
        Assert.Equal(404, (await client.ReadResponseAsync(Ct)).Status);
    }

    [Fact]
    public async Task A_head_request_gets_the_head_only_and_the_connection_stays_in_step()
    {
        await DeployAsync(r => r.Head.StartsWith("HEAD") ? Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n") : RawBackend.Ok("after"));
        using var client = await ConnectAsync();

        await client.SendAsync("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal("5", (await client.ReadResponseAsync(Ct, toHeadRequest: true)).Field("Content-Length"));
        Assert.Equal("after", (await client.ReadResponseAsync(Ct)).Body);
    }
}
