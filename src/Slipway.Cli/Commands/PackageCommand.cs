using System.CommandLine;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary>
/// <c>slipway package -e aws [-o FILE]</c>: the CloudFormation template a deploy would apply, as <c>copilot svc package</c>
/// writes it; with <c>--policy</c>, the IAM policy a deployer of this app needs instead.
/// </summary>
public static class PackageCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the template to this file instead of standard output" };
        var version = new Option<string?>("--version") { Description = "The version to render (default: the source's, as up resolves it)" };
        var policy = new Option<bool>("--policy")
        {
            Description = "Write the least-privilege IAM policy a deployer of this app needs (for its stack name) instead of the template",
        };
        var command = new Command("package", "Write the template a deploy applies (aws: the CloudFormation stack), changing nothing")
        {
            file, environment, output, version, policy,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (context.Platform is not ITemplatePackaging platform)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"the {context.Platform.Name} platform has no template to package",
                    "run it with -e aws (or an environment on the aws platform)");
            if (parse.GetValue(policy))
            {
                await WriteAsync(platform.RenderDeployPolicy(context.App), "the deploy policy");
                return 0;
            }
            var release = parse.GetValue(version) ?? await context.Reporter.StageAsync("source", async log =>
            {
                var found = await context.Sources.ResolveAsync(context.App.App, context.App.Source, ct);
                return StageOutcome.Done(found.Version, $"version {found.Version}");
            });
            await WriteAsync(platform.RenderTemplate(context.App, release), $"{context.App.App} {release}");
            return 0;

            async Task WriteAsync(string text, string what)
            {
                if (parse.GetValue(output) is { } target)
                {
                    await File.WriteAllTextAsync(target.FullName, text + Environment.NewLine, ct);
                    context.Reporter.Line($"wrote {target.FullName} ({what})");
                }
                else Console.Out.WriteLine(text);
            }
        }));
        return command;
    }
}
