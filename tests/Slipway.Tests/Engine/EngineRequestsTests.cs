using System.Text;
using Slipway.Engine;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
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
    public void Container_body_limits_memory_and_processes_joins_the_apps_network_and_gains_no_privileges()
    {
        var host = EngineRequests.CreateContainerBody(new ContainerSpec
        {
            Name = "shop-abc1234-1", Image = "slipway/shop:abc1234", ContainerPort = 8000,
            MemoryBytes = 256L << 20, PidsLimit = 128, Network = "slipway-shop",
        })["HostConfig"]!;

        Assert.Equal(256L << 20, (long)host["Memory"]!);
        Assert.Equal(256L << 20, (long)host["MemorySwap"]!);
        Assert.Equal(128, (long)host["PidsLimit"]!);
        Assert.Equal("slipway-shop", (string?)host["NetworkMode"]);
        Assert.Equal("""["no-new-privileges"]""", host["SecurityOpt"]!.ToJsonString());
        Assert.Equal("""["NET_RAW"]""", host["CapDrop"]!.ToJsonString());
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

[Trait("Tier", "unit")]
public sealed class LogExcerptTests
{
    /// <summary>gunicorn's output when the app fails to import, as the engine returned it (trimmed in the middle).</summary>
    private static readonly string[] GunicornImportFailure =
    [
        "[2026-12-02 02:36:31 +0000] [1] [INFO] Starting gunicorn 20.1.0",
        "[2026-12-02 02:36:31 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
        "[2026-12-02 02:36:31 +0000] [1] [INFO] Using worker: sync",
        "[2026-12-02 02:36:31 +0000] [7] [INFO] Booting worker with pid: 7",
        "[2026-12-02 02:36:31 +0000] [7] [ERROR] Exception in worker process",
        "Traceback (most recent call last):",
        "  File \"/usr/lib/python3/dist-packages/gunicorn/arbiter.py\", line 589, in spawn_worker",
        "    worker.init_process()",
        "  File \"/usr/lib/python3/dist-packages/gunicorn/workers/base.py\", line 134, in init_process",
        "    self.load_wsgi()",
        "  File \"/usr/lib/python3/dist-packages/gunicorn/util.py\", line 384, in import_app",
        "    mod = importlib.import_module(module)",
        "          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "  File \"<frozen importlib._bootstrap>\", line 1206, in _gcd_import",
        "  File \"<frozen importlib._bootstrap>\", line 241, in _call_with_frames_removed",
        "  File \"/app/app.py\", line 1, in <module>",
        "    import no_such_module_xyz",
        "ModuleNotFoundError: No module named 'no_such_module_xyz'",
        "[2026-12-02 02:36:31 +0000] [7] [INFO] Worker exiting (pid: 7)",
        "[2026-12-02 02:36:32 +0000] [1] [WARNING] Worker with pid 8 was terminated due to signal 15",
        "[2026-12-02 02:36:32 +0000] [1] [INFO] Shutting down: Master",
        "[2026-12-02 02:36:32 +0000] [1] [INFO] Reason: Worker failed to boot.",
        "Traceback (most recent call last):",
        "  File \"/usr/bin/gunicorn\", line 33, in <module>",
        "    sys.exit(load_entry_point('gunicorn==20.1.0', 'console_scripts', 'gunicorn')())",
        "  File \"/usr/lib/python3/dist-packages/gunicorn/arbiter.py\", line 228, in run",
        "    self.halt(reason=inst.reason, exit_status=inst.exit_status)",
        "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
        "[2026-12-02 02:36:33 +0000] [1] [INFO] Starting gunicorn 20.1.0",
        "[2026-12-02 02:36:33 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
        "[2026-12-02 02:36:33 +0000] [1] [INFO] Using worker: sync",
        "[2026-12-02 02:36:33 +0000] [7] [INFO] Booting worker with pid: 7",
    ];

    [Fact]
    public void The_first_error_block_holds_the_cause_and_not_only_the_wrappers_last_error()
    {
        var excerpt = Slipway.Engine.LogExcerpt.Of(GunicornImportFailure);

        Assert.Equal("[2026-12-02 02:36:31 +0000] [7] [ERROR] Exception in worker process", excerpt.FirstError[0]);
        Assert.Equal("ModuleNotFoundError: No module named 'no_such_module_xyz'", excerpt.FirstError[^1]);
        Assert.Contains("    import no_such_module_xyz", excerpt.FirstError);
        Assert.Contains("…", excerpt.FirstError); // a long traceback is cut in the middle
        Assert.Equal(GunicornImportFailure.TakeLast(Slipway.Engine.LogExcerpt.TailLines), excerpt.Tail);
        Assert.DoesNotContain(excerpt.Tail, l => l.Contains("ModuleNotFoundError", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_error_there_is_only_the_tail()
    {
        var log = Enumerable.Range(1, 40).Select(i => $"line {i}").ToList();
        var excerpt = Slipway.Engine.LogExcerpt.Of(log);
        Assert.Empty(excerpt.FirstError);
        Assert.Equal(log.TakeLast(Slipway.Engine.LogExcerpt.TailLines), excerpt.Tail);
    }

    [Fact]
    public void An_error_already_in_the_tail_is_not_shown_twice()
    {
        string[] log = ["booting", "listening", "Error: port 8000 is taken", "exiting"];
        var excerpt = Slipway.Engine.LogExcerpt.Of(log);
        Assert.Empty(excerpt.FirstError);
        Assert.Equal(log, excerpt.Tail);
    }

    [Fact]
    public void Words_that_merely_contain_error_do_not_start_a_block()
    {
        string[] log = [.. Enumerable.Range(1, 20).Select(i => $"handled {i} requests, 0 errors"), "terror of the deep"];
        Assert.Empty(Slipway.Engine.LogExcerpt.Of(log).FirstError);
    }

    [Fact]
    public void A_one_off_container_runs_its_command_and_publishes_nothing()
    {
        var body = EngineRequests.CreateContainerBody(new ContainerSpec
        {
            Name = "shop-run-1", Image = "slipway/shop:abc", ContainerPort = 8000, PublishPort = false, RestartPolicy = "no",
            Command = ["flask", "db", "upgrade"],
        });

        Assert.Equal(["flask", "db", "upgrade"], body["Cmd"]!.AsArray().Select(c => (string?)c));
        Assert.Null(body["ExposedPorts"]);
        Assert.Null(body["HostConfig"]!["PortBindings"]);
        Assert.Equal("no", (string?)body["HostConfig"]!["RestartPolicy"]!["Name"]);
        Assert.Equal("no-new-privileges", (string?)body["HostConfig"]!["SecurityOpt"]![0]);
    }
}
