using System.CommandLine;
using Slipway.Configuration;

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

    public static Option<string> Environment() => new("--environment", "-e")
    {
        Description = "Environment to act on: local (this machine) or aws",
        DefaultValueFactory = _ => "local",
        HelpName = "name",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON on stdout" };

    public static Option<bool> NoWait() => new("--no-wait")
    {
        Description = "Fail at once instead of waiting when another slipway run works on the same app",
    };

    public static Option<bool> Yes() => new("--yes", "-y") { Description = "Do not ask for confirmation (for scripts)" };
}
