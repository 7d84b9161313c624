using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Cli.Init;
using Slipway.Foundation.Output;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway init [PATH]</c>: looks at an app's repository and writes the slipway.yaml (and Dockerfile) that up deploys.</summary>
public static class InitCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var path = new Argument<string>("path") { Description = "The app's repository (default: the current folder)", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "." };
        var baseImage = new Option<string?>("--base-image") { Description = "The image the app runs on, instead of its stack's usual public one", HelpName = "image" };
        var noInstall = new Option<bool>("--no-install") { Description = "Leave out the dependency install step (the base image holds the dependencies)" };
        var force = new Option<bool>("--force") { Description = "Overwrite slipway.yaml and the Dockerfile when they exist" };
        var edgePort = new Option<int>("--edge-port") { Description = "The public port the local edge serves the app on", DefaultValueFactory = _ => 8080, HelpName = "port" };
        var json = CommonOptions.Json();
        var command = new Command("init", "Detect how an app runs (Dockerfile, Python, Node, .NET, Go) and write the slipway.yaml, and a Dockerfile when there is none, that up deploys")
        {
            path, baseImage, noInstall, force, edgePort, json,
        };
        command.SetAction(parse => CommandRunner.RunAsync(platforms, reporter =>
        {
            var result = Run(parse.GetValue(path)!, new InitOptions(parse.GetValue(baseImage), parse.GetValue(noInstall), parse.GetValue(edgePort)), parse.GetValue(force), reporter);
            if (parse.GetValue(json)) CommandContext.WriteJson(result, CliJson.Default.InitResult);
            return Task.FromResult(0);
        }));
        return command;
    }

    public sealed record InitResult(string Stack, int Port, string HealthPath, IReadOnlyList<string> Evidence, IReadOnlyList<string> Written);

    private static InitResult Run(string path, InitOptions options, bool force, Reporter reporter)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
            throw new SlipwayException(ErrorCode.SourceNotFound, $"init: {root} is not a folder", "give the app's repository, e.g. slipway init ~/src/shop");
        if (options.EdgePort is < 1 or > 65535)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--edge-port: {options.EdgePort} is not a port", "give a port from 1 to 65535, e.g. 8080");

        var stack = StackDetector.Detect(root);
        var files = new List<(string Path, string Text)>();
        if (Scaffold.Dockerfile(stack, options) is { } dockerfile) files.Add((Path.Combine(root, "Dockerfile"), dockerfile));
        files.Add((Path.Combine(root, "slipway.yaml"), Scaffold.Manifest(Scaffold.AppName(root), stack, options)));
        // Checked for every file before any is written: a refusal leaves the repository as it was.
        var existing = files.Where(f => File.Exists(f.Path)).Select(f => Path.GetFileName(f.Path)).ToList();
        if (existing.Count > 0 && !force)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"init: {string.Join(" and ", existing)} already exist{(existing.Count == 1 ? "s" : "")} in {root}",
                "pass --force to overwrite, or edit the file by hand");

        reporter.Line($"detected {Scaffold.Describe(stack.Kind)} in {root}:");
        foreach (var line in stack.Evidence) reporter.Line($"  - {line}");
        if (options.NoInstall && stack.Kind is StackKind.DotNet or StackKind.Dockerfile or StackKind.Unknown)
            reporter.Line("note: --no-install changes nothing for this stack");
        foreach (var (file, text) in files)
        {
            File.WriteAllText(file, text);
            reporter.Line($"wrote {file}");
        }
        if (!Directory.Exists(Path.Combine(root, ".git")))
            reporter.Line("note: this folder is not a git repository: slipway deploys commits (git init, git add -A, git commit), then slipway up");
        reporter.Line(stack.Kind == StackKind.Unknown
            ? "warning: nothing runnable was recognised: add a Dockerfile and set port: in slipway.yaml before slipway up"
            : $"next: commit them, then slipway up (serves on http://127.0.0.1:{options.EdgePort}/)");
        return new InitResult(stack.Kind.ToString().ToLowerInvariant(), stack.Port, stack.HealthPath, stack.Evidence,
            files.Select(f => f.Path).ToList());
    }
}
