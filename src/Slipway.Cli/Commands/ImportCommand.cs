using Slipway.Platforms.Aws;
using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Configuration;
using Slipway.Cli.Copilot;
using Slipway.Foundation.Output;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway import copilot PATH/manifest.yml</c>: an AWS Copilot service's manifest as a slipway.yaml for the aws platform.</summary>
public static class ImportCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var path = new Argument<string>("manifest") { Description = "The Copilot manifest, e.g. copilot/web/manifest.yml" };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write slipway.yaml (default: the workspace root, the folder holding copilot/)", HelpName = "path",
        };
        var hostedZone = new Option<string?>("--hosted-zone") { Description = "The Route 53 hosted zone of http.alias (Copilot took it from its environment)", HelpName = "id" };
        var force = new Option<bool>("--force") { Description = "Overwrite the output file when it exists" };
        var json = CommonOptions.Json();
        var copilot = new Command("copilot",
            "Map a Copilot Load Balanced Web Service manifest to slipway.yaml (build, port, health check, count and autoscaling, variables, SSM secrets, alias, placement); what cannot be mapped is listed by file and line")
        {
            path, output, hostedZone, force, json,
        };
        copilot.SetAction(parse => CommandRunner.RunAsync(platforms, reporter =>
        {
            var result = Run(platforms, parse.GetValue(path)!, parse.GetValue(output), parse.GetValue(hostedZone), parse.GetValue(force), reporter);
            if (parse.GetValue(json)) CommandContext.WriteJson(result, CliJson.Default.ImportSummary);
            return Task.FromResult(0);
        }));
        return new Command("import", "Make a slipway.yaml from another tool's manifest") { copilot };
    }

    public sealed record ImportSummary(string Written, IReadOnlyList<string> NotMapped);

    private static ImportSummary Run(PlatformCatalog platforms, string path, string? output, string? hostedZone, bool force, Reporter reporter)
    {
        var manifest = Path.GetFullPath(path);
        if (!File.Exists(manifest))
            throw new SlipwayException(ErrorCode.ManifestNotFound, $"import: no Copilot manifest at {manifest}", "give its path, e.g. copilot/web/manifest.yml");
        // Copilot keeps a service's manifest at <workspace>/copilot/<service>/manifest.yml, with paths relative to the workspace.
        var directory = Path.GetDirectoryName(manifest)!;
        var workspace = Path.GetFileName(Path.GetDirectoryName(directory)) == "copilot" ? Path.GetDirectoryName(Path.GetDirectoryName(directory))! : directory;
        var target = Path.GetFullPath(output ?? Path.Combine(workspace, ManifestLoader.DefaultFileName));
        if (File.Exists(target) && !force)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"import: {target} already exists", "pass --force to overwrite it, or -o to write elsewhere");

        var result = CopilotImport.Map(UserFile.ReadText(manifest, "import copilot"), Path.GetRelativePath(workspace, manifest), hostedZone);
        // What is written must load: checked before the file exists.
        try
        {
            // Copilot deploys to AWS: the mapped manifest is for the aws platform.
            ManifestLoader.Parse(result.Manifest, target, AwsModule.PlatformName, platforms.Manifests);
        }
        catch (SlipwayException e)
        {
            throw new SlipwayException(e.Code, $"import: the mapped manifest does not load: {e.Message}", "fix the Copilot manifest's value named above, then import again");
        }
        File.WriteAllText(target, result.Manifest);
        reporter.Line($"wrote {target}");
        foreach (var item in result.Unmapped) reporter.Line($"not mapped: {item}");
        reporter.Line(result.Unmapped.Count == 0 ? "everything was mapped" : $"{result.Unmapped.Count} setting(s) not mapped: see above");
        reporter.Line("next: review it, commit it, then slipway up -e aws");
        return new ImportSummary(target, result.Unmapped.Select(u => u.ToString()).ToList());
    }
}
