using Slipway.Cli;

namespace Slipway.TestPlatform;

/// <summary>The real CLI, with the folder platform registered beside the built-in ones: the one line a new platform needs.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => Cli.Program.RunAsync(args, BuiltInPlatforms.Catalog.With(new FolderModule()));
}
