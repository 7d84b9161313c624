namespace Slipway.Tests.Support;

/// <summary>The repository's top folder, found from this source file's own path.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, "..", "..", ".."));
}
