using System.Text;
using Slipway.Engine;

namespace Slipway.Tests.Engine;

public sealed class EngineRequestsTests
{
    [Fact]
    public void Container_body_publishes_the_port_on_loopback_with_an_engine_chosen_host_port()
    {
        var body = EngineRequests.CreateContainerBody(new ContainerSpec
        {
            Name = "shop-abc1234-1",
            Image = "slipway/shop:abc1234",
            ContainerPort = 8000,
            Labels = new Dictionary<string, string> { ["slipway.app"] = "shop", ["slipway.version"] = "abc1234" },
            Environment = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" },
        });

        Assert.Equal("slipway/shop:abc1234", (string?)body["Image"]);
        Assert.Equal("""{"8000/tcp":{}}""", body["ExposedPorts"]!.ToJsonString());
        Assert.Equal("""{"8000/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}""", body["HostConfig"]!["PortBindings"]!.ToJsonString());
        Assert.Equal("unless-stopped", (string?)body["HostConfig"]!["RestartPolicy"]!["Name"]);
        Assert.Equal("""["A=1","B=2"]""", body["Env"]!.ToJsonString());
        Assert.Equal("abc1234", (string?)body["Labels"]!["slipway.version"]);
    }

    [Fact]
    public void Build_path_carries_tag_dockerfile_labels_and_args_encoded()
    {
        var path = EngineRequests.BuildPath(new ImageBuildRequest
        {
            Tag = "slipway/shop:abc1234",
            DockerfilePath = ".slipway/Dockerfile",
            Labels = new Dictionary<string, string> { ["slipway.app"] = "shop" },
            BuildArgs = new Dictionary<string, string> { ["X"] = "a b" },
        });

        Assert.StartsWith("/v1.41/build?t=slipway%2Fshop%3Aabc1234&dockerfile=.slipway%2FDockerfile", path);
        Assert.Contains("&labels=" + Uri.EscapeDataString("""{"slipway.app":"shop"}"""), path);
        Assert.Contains("&buildargs=" + Uri.EscapeDataString("""{"X":"a b"}"""), path);
    }

    [Fact]
    public void Label_filter_lists_every_label_sorted()
    {
        var filter = Uri.UnescapeDataString(EngineRequests.LabelFilter(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        Assert.Equal("""{"label":["a=1","b=2"]}""", filter);
    }

    [Theory]
    [InlineData(null, "unix:///var/run/docker.sock", "/var/run/docker.sock")]
    [InlineData("unix:///run/podman/podman.sock", "unix:///run/podman/podman.sock", "/run/podman/podman.sock")]
    [InlineData("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375", null)]
    public void Docker_host_is_honoured(string? dockerHost, string display, string? socket)
    {
        var endpoint = EngineEndpoint.Parse(dockerHost);
        Assert.Equal(display, endpoint.Display);
        Assert.Equal(socket, endpoint.UnixSocketPath);
    }

    [Fact]
    public void Log_frames_are_demultiplexed_in_order()
    {
        static byte[] Frame(byte stream, string text)
        {
            var payload = Encoding.UTF8.GetBytes(text);
            return [stream, 0, 0, 0, 0, 0, (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];
        }
        byte[] data = [.. Frame(1, "out line\n"), .. Frame(2, "err line\n")];

        Assert.Equal("out line\nerr line\n", LogStream.Demultiplex(data));
    }
}

public sealed class LogExcerptTests
{
    [Fact]
    public void The_excerpt_ends_at_the_last_error_even_when_a_restart_logged_after_it()
    {
        string[] log =
        [
            .. Enumerable.Range(1, 30).Select(i => $"boot line {i}"),
            "Traceback (most recent call last):", "  File \"app.py\", line 1", "RuntimeError: boom", "Worker exiting", "Shutting down: Master",
            "Starting gunicorn 20.1.0", "Listening at: http://0.0.0.0:8000", "Using worker: sync", "Booting worker with pid: 7",
        ];

        var excerpt = Slipway.Engine.LogExcerpt.Select(log);

        Assert.Equal(Slipway.Engine.LogExcerpt.Lines, excerpt.Count);
        Assert.Contains("RuntimeError: boom", excerpt);
        Assert.Equal("Shutting down: Master", excerpt[^1]);
    }

    [Fact]
    public void Without_an_error_the_excerpt_is_the_tail()
    {
        var log = Enumerable.Range(1, 40).Select(i => $"line {i}").ToList();
        Assert.Equal(log.TakeLast(Slipway.Engine.LogExcerpt.Lines), Slipway.Engine.LogExcerpt.Select(log));
    }
}
