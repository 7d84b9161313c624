using Slipway.Foundation;
using Slipway.Engine;
using Slipway.Tests.Support;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
public sealed class ApiVersionTests
{
    [Theory]
    [InlineData("1.41", null, "1.41")] // Debian 12's dockerd 20.10
    [InlineData("1.51", "1.24", "1.51")] // Docker 28.5
    [InlineData("1.52", "1.44", "1.51")] // Docker 29: refuses below 1.44; spoken to in the newest Slipway knows
    [InlineData("1.40", null, null)] // older than the oldest supported
    [InlineData("1.60", "1.55", null)] // accepts nothing Slipway speaks
    public void The_version_spoken_is_the_highest_both_sides_know(string engine, string? minimum, string? chosen) =>
        Assert.Equal(chosen, ApiVersion.Negotiate(ApiVersion.Parse(engine)!.Value, ApiVersion.Parse(minimum))?.ToString());
}

/// <summary>Debian unstable's Docker Engine (28.5 when written), refusing every client below API 1.44 as Docker Engine 29 does.</summary>
public sealed class Docker29LikeEngine : IAsyncLifetime
{
    public SecondEngine Engine { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Engine = await SecondEngine.StartAsync("docker-unstable", minimumApi: "1.44", TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}

/// <summary>
/// The core lifecycle through the real CLI, as every engine Slipway is tested on runs it: up, no-op, a change, a rejected
/// release, rollback, run (with stdin), exec and a destroy that leaves nothing.
/// </summary>
public static class EngineLifecycle
{
    public static async Task RunAsync(string name, string dockerHost)
    {
        await using var app = new LocalApp(name, dockerHost: dockerHost);

        var first = await app.RunAsync("up");
        first.Succeeded();
        using (var client = TestEngine.Create(dockerHost))
            Assert.Contains($"engine {(await client.VersionAsync(TestContext.Current.CancellationToken)).Version}", first.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        Assert.Contains("nothing to do", (await app.RunAsync("up")).Succeeded().Stderr);

        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        (await app.RunAsync("up")).Succeeded();
        Assert.Equal(second, (await app.GetAsync()).Version);

        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("app = Flask(__name__)", "raise SystemExit('broken release')"));
        app.Repo.Commit("broken");
        var rejected = await app.RunAsync("up");
        Assert.Equal(1, rejected.ExitCode);
        Assert.Contains("release rejected", rejected.Stderr);
        Assert.Equal(second, (await app.GetAsync()).Version);

        (await app.RunAsync("rollback", app.FirstVersion)).Succeeded();
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var ct = TestContext.Current.CancellationToken;
        Assert.Contains("hello from run", (await app.Cli.RunAsync(["run", "-f", app.ManifestPath, "--", "echo", "hello from run"], ct: ct)).Succeeded().Stdout);
        Assert.Contains("hello from exec", (await app.Cli.RunAsync(["exec", "-f", app.ManifestPath, "--", "echo", "hello from exec"], ct: ct)).Succeeded().Stdout);
        Assert.Equal("typed in\n", (await app.Cli.RunAsync(["run", "-i", "-f", app.ManifestPath, "--", "cat"], ct: ct, input: "typed in\n")).Succeeded().Stdout);

        (await app.RunAsync("destroy", "--yes")).Succeeded();
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
    }
}

/// <summary>The core lifecycle, through the real CLI, on an engine that refuses the API version Slipway once pinned.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEnd.EndToEndCollection.Name)]
public sealed class NewerEngineTests(Docker29LikeEngine engine) : IClassFixture<Docker29LikeEngine>
{
    [Fact]
    public Task Up_no_op_change_rejection_rollback_run_exec_and_destroy_work_on_an_engine_refusing_api_1_41() =>
        EngineLifecycle.RunAsync("newer", engine.Engine.DockerHost);

    [Fact]
    public async Task Doctor_names_the_engine_the_version_it_speaks_and_the_one_in_use()
    {
        await using var app = new LocalApp("newerdoctor", dockerHost: engine.Engine.DockerHost);

        using var client = TestEngine.Create(engine.Engine.DockerHost);
        var version = await client.VersionAsync(TestContext.Current.CancellationToken);

        var doctor = await app.RunAsync("doctor");

        var speaks = ApiVersion.Parse(version.ApiVersion)!.Value;
        Assert.True(speaks >= new ApiVersion(1, 44), $"the engine speaks {speaks}");
        Assert.Contains($"{engine.Engine.DockerHost}: engine {version.Version} (API {speaks}), API {ApiVersion.Negotiate(speaks, new ApiVersion(1, 44))} in use", doctor.All);
    }
}

/// <summary>Debian 13's Docker Engine (26.1 when written), on a socket of its own.</summary>
public sealed class TrixieEngine : IAsyncLifetime
{
    public SecondEngine Engine { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Engine = await SecondEngine.StartAsync("docker-trixie", minimumApi: null, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}

[Trait("Tier", "engine")]
[Collection(EndToEnd.EndToEndCollection.Name)]
public sealed class TrixieEngineTests(TrixieEngine engine) : IClassFixture<TrixieEngine>
{
    [Fact]
    public Task The_core_lifecycle_works_on_debian_13s_engine() => EngineLifecycle.RunAsync("trixie", engine.Engine.DockerHost);
}

/// <summary>podman 4.3's Docker-compatible service (Debian 12), on a socket of its own.</summary>
public sealed class PodmanEngine : IAsyncLifetime
{
    public PodmanService Service { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Service = await PodmanService.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Service.DisposeAsync();
}

[Trait("Tier", "engine")]
[Collection(EndToEnd.EndToEndCollection.Name)]
public sealed class PodmanEngineTests(PodmanEngine podman) : IClassFixture<PodmanEngine>
{
    [Fact]
    public Task The_core_lifecycle_works_on_podmans_docker_compatible_service() => EngineLifecycle.RunAsync("podman", podman.Service.DockerHost);
}

[Trait("Tier", "unit")]
public sealed class EngineServerTests
{
    [Theory]
    [InlineData("Docker/20.10.24+dfsg1 (linux)", "Docker", "20.10.24+dfsg1", "linux")]
    [InlineData("Libpod/4.3.1 (linux)", "Libpod", "4.3.1", "linux")]
    public void An_engines_server_header_names_it_its_version_and_system(string header, string name, string version, string os) =>
        Assert.Equal(new EngineServer(name, version, os), EngineServer.Parse(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nginx")]
    [InlineData("Docker/ (linux)")]
    [InlineData("Docker/28.5.2")]
    public void Anything_else_is_not_a_name_and_the_version_is_asked_for(string? header) => Assert.Null(EngineServer.Parse(header));
}

/// <summary>The negotiation as data: what the engine's answers lead to, through a handler that answers as an engine would.</summary>
[Trait("Tier", "unit")]
public sealed class ApiVersionHandlerTests
{
    private sealed class AnsweringEngine(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Asked { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Asked.Add(request.RequestUri!.AbsolutePath);
            return Task.FromResult(answer(request));
        }
    }

    private static HttpResponseMessage Ping(string? apiVersion)
    {
        var ping = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("OK") };
        if (apiVersion is not null) ping.Headers.Add("Api-Version", apiVersion);
        return ping;
    }

    private static async Task<(HttpResponseMessage Response, List<string> Asked)> SendAsync(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var engine = new AnsweringEngine(answer);
        using var client = new HttpClient(new ApiVersionHandler(EngineEndpoint.Default) { InnerHandler = engine }) { BaseAddress = new Uri("http://docker") };
        var response = await client.GetAsync($"{EngineRequests.ApiPrefix}/containers/json", TestContext.Current.CancellationToken);
        return (response, engine.Asked);
    }

    [Fact]
    public async Task The_pings_api_version_is_spoken_and_version_is_never_asked()
    {
        var (response, asked) = await SendAsync(r => r.RequestUri!.AbsolutePath == "/_ping" ? Ping("1.52") : new HttpResponseMessage(System.Net.HttpStatusCode.OK));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["/_ping", $"/v{ApiVersion.Newest}/containers/json"], asked);
    }

    [Fact]
    public async Task An_engine_whose_ping_names_no_version_is_asked_its_version()
    {
        var (_, asked) = await SendAsync(r => r.RequestUri!.AbsolutePath switch
        {
            "/_ping" => Ping(null),
            "/version" => new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("""{"ApiVersion":"1.43","MinAPIVersion":"1.12"}""") },
            _ => new HttpResponseMessage(System.Net.HttpStatusCode.OK),
        });

        Assert.Equal(["/_ping", "/version", "/v1.43/containers/json"], asked);
    }

    [Fact]
    public async Task An_engine_that_refuses_every_version_slipway_speaks_is_one_line_naming_both()
    {
        var error = await Assert.ThrowsAsync<SlipwayException>(() => SendAsync(r => r.RequestUri!.AbsolutePath == "/_ping" ? Ping("1.60")
            : new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"message":"client version 1.51 is too old. Minimum supported API version is 1.55, please upgrade your client to a newer version"}"""),
            }));

        Assert.Equal(ErrorCode.EngineUnsupported, error.Code);
        Assert.Equal($"the container engine at unix:///var/run/docker.sock accepts API 1.55 and newer; this Slipway speaks up to {ApiVersion.Newest}", error.Message);
    }

    [Fact]
    public async Task Any_other_refusal_is_the_callers_to_read()
    {
        var (response, _) = await SendAsync(r => r.RequestUri!.AbsolutePath == "/_ping" ? Ping("1.41")
            : new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest) { Content = new StringContent("""{"message":"invalid filter"}""") });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid filter", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
