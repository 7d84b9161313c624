using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// ECS Exec against scripted answers (moto has no ExecuteCommand), with a stand-in for the Session Manager plugin
/// that records how it was called: the arguments the AWS CLI gives the real one.
/// </summary>
[Trait("Tier", "edge")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EcsExecTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-exec");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AppManifest App(bool exec = true) =>
        Support.Manifests.Parse($"app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n  exec: {(exec ? "true" : "false")}\n", "/deploy/slipway.yaml");

    private static string Answer(AwsRequest request) => request.Action switch
    {
        "ListTasks" => JsonNode.Parse(request.Body)!["serviceName"]!.GetValue<string>() == "shop"
            ? """{"taskArns":["arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/aaa111","arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/bbb222"]}"""
            : """{"taskArns":["arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/ccc333"]}""",
        "DescribeTasks" => """{"tasks":[{"taskArn":"arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/ccc333","lastStatus":"RUNNING","containers":[{"name":"worker","runtimeId":"ccc333-2531612879"}]}]}""",
        "ExecuteCommand" => """{"clusterArn":"arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-shop","taskArn":"arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/ccc333","containerName":"worker","session":{"sessionId":"ecs-execute-command-0a1b","streamUrl":"wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/ecs-execute-command-0a1b","tokenValue":"AAE"}}""",
        _ => "{}",
    };

    /// <summary>A plugin that writes each argument on a line of its own and exits 7.</summary>
    private string FakePlugin()
    {
        var bin = Path.Combine(_dir.Path, "bin");
        Directory.CreateDirectory(bin);
        var plugin = Path.Combine(bin, EcsExec.Plugin);
        File.WriteAllText(plugin, $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > {_dir.Path}/args\nexit 7\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    private static EcsExec Exec(FakeAwsEndpoint endpoint, string? path)
    {
        var settings = new AwsSettings(new Amazon.Runtime.BasicAWSCredentials("a", "b"), Amazon.RegionEndpoint.EUWest1,
            name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);
        return new EcsExec(EcsClient.Create(settings, TimeProvider.System), "eu-west-1", new Uri("https://ecs.eu-west-1.amazonaws.com"),
            name => name == "PATH" ? path : null);
    }

    [Fact]
    public async Task A_workers_task_is_chosen_by_name_and_the_plugin_gets_the_session_and_target_as_the_aws_cli_gives_them()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(Answer);

        var exit = await Exec(endpoint, FakePlugin()).RunAsync(App(), ["worker"], "worker/ccc", ["rails", "console", "--sandbox"], Ct);

        Assert.Equal(7, exit);
        var execute = JsonNode.Parse(endpoint.Requests.Single(r => r.Action == "ExecuteCommand").Body)!;
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/ccc333", (string?)execute["task"]);
        Assert.Equal("worker", (string?)execute["container"]);
        Assert.Equal("rails console --sandbox", (string?)execute["command"]);
        Assert.True((bool)execute["interactive"]!);
        var args = File.ReadAllLines(Path.Combine(_dir.Path, "args"));
        Assert.Equal("ecs-execute-command-0a1b", (string?)JsonNode.Parse(args[0])!["sessionId"]);
        Assert.Equal(["eu-west-1", "StartSession", ""], args[1..4]);
        Assert.Equal("ecs:slipway-shop_ccc333_ccc333-2531612879", (string?)JsonNode.Parse(args[4])!["Target"]);
        Assert.Equal("https://ecs.eu-west-1.amazonaws.com/", args[5]);
    }

    [Fact]
    public async Task Without_aws_exec_or_the_plugin_or_a_known_task_it_says_what_to_do_before_changing_anything()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(Answer);

        var disabled = Assert.Throws<SlipwayException>(() => Exec(endpoint, FakePlugin()).EnsureUsable(App(exec: false)));
        Assert.Contains("set aws.exec: true", disabled.Hint);
        var noPlugin = Assert.Throws<SlipwayException>(() => Exec(endpoint, "/nonexistent").EnsureUsable(App()));
        Assert.Equal("exec: the Session Manager plugin (session-manager-plugin) is not installed here", noPlugin.Message);
        Assert.Contains(EcsExec.InstallPlugin, noPlugin.Hint);
        Assert.Empty(endpoint.Requests);

        var unknown = await Assert.ThrowsAsync<SlipwayException>(() => Exec(endpoint, FakePlugin()).RunAsync(App(), ["worker"], "zzz", ["ps"], Ct));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("its tasks: aaa111, bbb222, worker/ccc333", unknown.Hint);
        Assert.DoesNotContain(endpoint.Requests, r => r.Action == "ExecuteCommand");
    }

    [Fact]
    public void Words_are_quoted_for_the_shell_only_where_they_need_it() =>
        Assert.Equal("echo 'hello world' 'it'\\''s' a=b", ShellWords.Join(["echo", "hello world", "it's", "a=b"]));

    public void Dispose() => _dir.Dispose();
}
