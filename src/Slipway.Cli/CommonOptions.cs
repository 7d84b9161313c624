using System.CommandLine;
using Slipway.Configuration;
using Slipway.Platforms;

namespace Slipway.Cli;

/// <summary>The options most commands share, defined once.</summary>
public static class CommonOptions
{
    public static Option<string> File() => new("--file", "-f")
    {
        Description = "Path of the app's manifest",
        DefaultValueFactory = _ => ManifestLoader.DefaultFileName,
        HelpName = "path",
    };

    public static Option<string> Environment(PlatformCatalog platforms)
    {
        var option = new Option<string>("--environment", "-e")
        {
        Description = $"Environment to act on: one named after a platform ({string.Join(", ", platforms.Modules.Select(m => m.Name))}), or one the manifest declares",
        DefaultValueFactory = _ => platforms.DefaultEnvironment,
        HelpName = "name",
        };
        // What a shell completes: each platform's environment and the names environments are usually declared under.
        option.CompletionSources.Add([.. platforms.Modules.Select(m => m.Name), Environments.ProtectedByDefault, "staging"]);
        return option;
    }

    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON on stdout" };

    public static Option<bool> NoWait() => new("--no-wait")
    {
        Description = "Fail at once instead of waiting when another slipway run works on the same app",
    };

    public static Option<bool> Yes() => new("--yes", "-y") { Description = "Do not ask for confirmation (for scripts)" };
}
