using Slipway.Platforms;
using Slipway.Platforms.Images;
using Slipway.Engine;
using Slipway.Tests.Support;

namespace Slipway.Tests.Engine;

/// <summary>The engine client against the real engine.</summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class DockerEngineTests : IDisposable
{
    private readonly DockerEngine _engine = TestEngine.Create();
    private readonly TempDirectory _dir = new();
    private readonly string _app = $"enginetest{Guid.NewGuid():N}"[..18];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Builds_runs_inspects_and_removes_a_labelled_container()
    {
        var version = await _engine.VersionAsync(Ct);
        Assert.False(string.IsNullOrEmpty(version.ApiVersion));

        _dir.Write("app/app.py", TestEngine.FlaskApp);
        var dockerfile = _dir.Write("Dockerfile", TestEngine.Dockerfile);
        var tag = $"slipway/{_app}:v1";
        var steps = new List<string>();
        await using (var context = await BuildContext.CreateAsync(Path.Combine(_dir.Path, "app"), dockerfile, Ct))
        {
            await _engine.BuildImageAsync(context, new ImageBuildRequest
            {
                Tag = tag, DockerfilePath = BuildContext.DockerfileEntry, Labels = ReleaseLabels.ForRelease(_app, "v1"),
            }, steps.Add, Ct);
        }
        Assert.Contains(steps, s => s.StartsWith("Step 1/", StringComparison.Ordinal));
        Assert.True(await _engine.ImageExistsAsync(tag, Ct));
        Assert.Single(await _engine.ListImagesAsync(ReleaseLabels.ForApp(_app), Ct));

        var id = await _engine.CreateContainerAsync(new ContainerSpec
        {
            Name = $"{_app}-v1-1", Image = tag, ContainerPort = 8000, Labels = ReleaseLabels.ForRelease(_app, "v1"),
            Environment = new Dictionary<string, string> { ["SLIPWAY_VERSION"] = "v1" },
        }, Ct);
        await _engine.StartContainerAsync(id, Ct);
        var details = await _engine.InspectContainerAsync(id, Ct);
        Assert.NotNull(details?.HostPort);
        Assert.True(details.Running);
        Assert.Equal("v1", details.Labels[ReleaseLabels.Version]);

        var body = await GetWithRetryAsync($"http://127.0.0.1:{details.HostPort}/");
        Assert.Equal("version v1\n", body);
        Assert.Contains(await _engine.LogTailAsync(id, 50, Ct), l => l.Contains("Booting worker", StringComparison.Ordinal));

        var listed = Assert.Single(await _engine.ListContainersAsync(ReleaseLabels.ForApp(_app), Ct));
        Assert.Equal($"{_app}-v1-1", listed.Name);

        await _engine.StopContainerAsync(id, TimeSpan.FromSeconds(5), Ct);
        Assert.False((await _engine.InspectContainerAsync(id, Ct))!.Running);
        await _engine.RemoveContainerAsync(id, Ct);
        await _engine.RemoveContainerAsync(id, Ct); // removing twice is fine
        Assert.Null(await _engine.InspectContainerAsync(id, Ct));
        Assert.Empty(await _engine.ListContainersAsync(ReleaseLabels.ForApp(_app), Ct));
    }

    [Fact]
    public async Task A_failing_build_step_reports_the_engine_error()
    {
        _dir.Write("app/app.py", "");
        var dockerfile = _dir.Write("Dockerfile", $"FROM {TestEngine.BaseImage}\nRUN exit 7\n");
        await using var context = await BuildContext.CreateAsync(Path.Combine(_dir.Path, "app"), dockerfile, Ct);

        var error = await Assert.ThrowsAsync<EngineApiException>(() => _engine.BuildImageAsync(context,
            new ImageBuildRequest { Tag = $"slipway/{_app}:bad", DockerfilePath = BuildContext.DockerfileEntry }, _ => { }, Ct));

        Assert.Contains("returned a non-zero code: 7", error.Message);
    }

    [Fact]
    public async Task An_engine_with_no_socket_is_reported_as_unreachable_naming_the_endpoint()
    {
        var socket = "unix://" + Path.Combine(_dir.Path, "no.sock");
        using var engine = new DockerEngine(EngineEndpoint.Parse(socket));

        var error = await Assert.ThrowsAsync<Slipway.Foundation.SlipwayException>(() => engine.EnsureReachableAsync(Ct));

        Assert.Equal(Slipway.Foundation.ErrorCode.EngineUnreachable, error.Code);
        Assert.Equal($"no container engine answers at {socket}", error.Message);
    }

    [Fact]
    public async Task An_engine_that_accepts_and_never_answers_times_out_with_a_clear_error()
    {
        var path = Path.Combine(_dir.Path, "silent.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen();
        var accepted = new List<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            try { while (true) accepted.Add(await listener.AcceptAsync(Ct)); }
            catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException) { }
        }, Ct);
        using var engine = new DockerEngine(EngineEndpoint.Parse("unix://" + path), answerTimeout: TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<EngineTimeoutException>(() => engine.ListContainersAsync(ReleaseLabels.ForApp(_app), Ct));
        var unreachable = await Assert.ThrowsAsync<Slipway.Foundation.SlipwayException>(() => engine.EnsureReachableAsync(Ct));

        Assert.Equal($"the container engine at unix://{path} did not answer GET /v1.41/containers/json within 300ms", error.Message);
        Assert.Equal(Slipway.Foundation.ErrorCode.EngineUnreachable, unreachable.Code);
        listener.Close();
        foreach (var socket in accepted) socket.Dispose();
    }

    private static async Task<string> GetWithRetryAsync(string url)
    {
        for (var i = 0; ; i++)
        {
            try { return await Http.Client.GetStringAsync(url, Ct); }
            catch (HttpRequestException) when (i < 50) { await Task.Delay(100, Ct); }
        }
    }

    public void Dispose()
    {
        foreach (var c in _engine.ListContainersAsync(ReleaseLabels.ForApp(_app), CancellationToken.None).GetAwaiter().GetResult())
            _engine.RemoveContainerAsync(c.Id, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var i in _engine.ListImagesAsync(ReleaseLabels.ForApp(_app), CancellationToken.None).GetAwaiter().GetResult())
            _engine.RemoveImageAsync(i.Id, CancellationToken.None).GetAwaiter().GetResult();
        _engine.Dispose();
        _dir.Dispose();
    }
}
