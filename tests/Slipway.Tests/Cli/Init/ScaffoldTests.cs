using Slipway.Configuration;
using Slipway.Cli.Init;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Init;

/// <summary>
/// <c>slipway init</c>'s detection and the files it writes, per kind of app, against golden files
/// (Init/Golden/&lt;case&gt;/input is the repository, expected/ what init writes; SLIPWAY_UPDATE_GOLDEN=1 rewrites them).
/// Every manifest written loads with the real loader.
/// </summary>
[Trait("Tier", "unit")]
public sealed class ScaffoldTests
{
    private static string Golden(string name) => Path.Combine(RepositoryRoot.Path, "tests", "Slipway.Tests", "Cli", "Init", "Golden", name);

    [Theory]
    [InlineData("flask", StackKind.Flask, null, false)]
    [InlineData("flask-local", StackKind.Flask, "localhost/bookworm-python:latest", true)]
    [InlineData("django", StackKind.Django, null, false)]
    [InlineData("fastapi", StackKind.FastApi, null, false)]
    [InlineData("node", StackKind.Node, null, false)]
    [InlineData("dotnet", StackKind.DotNet, null, false)]
    [InlineData("go", StackKind.Go, null, false)]
    [InlineData("dockerfile", StackKind.Dockerfile, null, false)]
    [InlineData("unknown", StackKind.Unknown, null, false)]
    public void Each_kind_of_app_is_detected_and_gets_the_files_up_deploys(string name, StackKind kind, string? baseImage, bool noInstall)
    {
        var stack = StackDetector.Detect(Path.Combine(Golden(name), "input"));
        var options = new InitOptions(baseImage, noInstall);
        var written = new Dictionary<string, string?>
        {
            ["Dockerfile"] = Scaffold.Dockerfile(stack, options),
            ["slipway.yaml"] = Scaffold.Manifest(name.Replace("-local", ""), stack, options),
        };

        Assert.Equal(kind, stack.Kind);
        Assert.NotEmpty(stack.Evidence);
        var expected = Path.Combine(Golden(name), "expected");
        foreach (var (file, text) in written) GoldenFile.Matches(Path.Combine(expected, file), text);
        var manifest = Path.Combine(expected, "slipway.yaml");
        var loaded = Support.Manifests.Parse(written["slipway.yaml"]!, manifest);
        Assert.Equal(stack.Port, loaded.Port);
        Assert.Equal(stack.HealthPath, loaded.HealthCheck.Path);
    }

    [Theory]
    [InlineData("shop", "shop")]
    [InlineData("My Shop_2", "my-shop-2")]
    [InlineData("2fast", "app-2fast")]
    [InlineData("-", "app")]
    public void The_app_is_named_after_its_folder_as_a_valid_app_name(string folder, string expected) =>
        Assert.Equal(expected, Scaffold.AppName(Path.Combine(Path.GetTempPath(), folder)));

    [Fact]
    public void A_flask_app_without_its_application_object_is_not_guessed()
    {
        using var repo = new TempDirectory("slipway-init");
        repo.Write("requirements.txt", "flask\n");
        repo.Write("tool.py", "print('no app here')\n");

        var stack = StackDetector.Detect(repo.Path);

        Assert.Equal(StackKind.Unknown, stack.Kind);
        Assert.Contains("no Flask, Django or FastAPI application", stack.Evidence[^1]);
        Assert.Null(Scaffold.Dockerfile(stack, new InitOptions()));
    }

    [Theory]
    [InlineData("EXPOSE 99999999999\n", 8000)]
    [InlineData("EXPOSE 0\n", 8000)]
    [InlineData("EXPOSE 70000\n", 8000)]
    [InlineData("EXPOSE 5000\n", 5000)]
    public void Init_takes_only_a_port_up_accepts_from_expose(string dockerfile, int port)
    {
        using var repo = new TempDirectory("slipway-init");
        repo.Write("Dockerfile", "FROM scratch\n" + dockerfile);

        Assert.Equal(port, StackDetector.Detect(repo.Path).Port);
    }

    [Theory]
    [InlineData("curl -f http://localhost//evil.example/x", "/")]
    [InlineData("curl -f http://localhost:8000/healthz", "/healthz")]
    public void Init_takes_only_a_plain_absolute_health_path_from_the_healthcheck(string command, string path)
    {
        using var repo = new TempDirectory("slipway-init");
        repo.Write("Dockerfile", $"FROM scratch\nHEALTHCHECK CMD {command}\n");

        Assert.Equal(path, StackDetector.Detect(repo.Path).HealthPath);
    }

    [Fact]
    public void A_python_file_whose_name_is_not_a_module_name_never_reaches_the_command_line()
    {
        using var repo = new TempDirectory("slipway-init");
        repo.Write("requirements.txt", "flask\n");
        repo.Write("a\",\"--config=python:evil\",\"b.py", "from flask import Flask\napp = Flask(__name__)\n");

        var stack = StackDetector.Detect(repo.Path);

        Assert.Equal(StackKind.Unknown, stack.Kind);
        Assert.Null(Scaffold.Dockerfile(stack, new InitOptions()));
    }
}
