using System.Text.Json;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Preflight;

/// <summary><c>slipway doctor</c> through the real CLI and engine: each check, and the checks of the chosen environment's platform.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class DoctorTests
{
    [Fact]
    public async Task Doctor_reports_each_check_and_fails_on_a_taken_port()
    {
        await using var app = new LocalApp("doc");
        var healthy = await app.RunAsync("doctor", "--json");
        healthy.Succeeded();
        var checks = JsonDocument.Parse(healthy.Stdout).RootElement.EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("ok", checks["engine"]);
        Assert.Equal("ok", checks["git"]);
        Assert.Equal("ok", checks["base image"]);
        Assert.Equal("ok", checks["edge proxy"]);

        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, app.Port);
        squatter.Start();
        var taken = await app.RunAsync("doctor");
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains($"FAIL  edge proxy       port {app.Port} is in use", taken.Stdout);
        Assert.Contains("hint:", taken.Stdout);

        var noEngine = await app.RunAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent.sock" }, "doctor");
        Assert.Equal(1, noEngine.ExitCode);
        Assert.Contains("FAIL  engine", noEngine.Stdout);
    }

    [Fact]
    public async Task Doctor_checks_what_the_chosen_environments_platform_needs_not_what_its_name_suggests()
    {
        await using var app = new LocalApp("docenv");
        app.WriteManifest(extra: "environments:\n  production:\n    platform: aws\n");
        var noAws = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_PROFILE"] = "", ["AWS_REGION"] = "", ["AWS_DEFAULT_REGION"] = "",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent", ["AWS_CONFIG_FILE"] = "/nonexistent", ["AWS_EC2_METADATA_DISABLED"] = "true",
        };

        var production = await app.RunAsync(noAws, "doctor", "-e", "production", "--json");

        Assert.Equal(1, production.ExitCode);
        var checks = JsonDocument.Parse(production.Stdout).RootElement.EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("failed", checks["aws"]);          // the aws platform's checks ran for an environment not named aws...
        Assert.False(checks.ContainsKey("edge proxy")); // ...and the local edge's did not
    }
}
