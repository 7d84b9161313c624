namespace Slipway.Tests.Support;

/// <summary>
/// A golden file holds what a test expects a command to write. With SLIPWAY_UPDATE_GOLDEN=1 one that differs is rewritten,
/// and the test still fails: an update passes only on the next run, once it has been looked at.
/// </summary>
public static class GoldenFile
{
    /// <param name="text">What the file must hold; null: there must be no file.</param>
    public static void Matches(string path, string? text)
    {
        var current = File.Exists(path) ? File.ReadAllText(path) : null;
        if (current == text) return;
        if (Environment.GetEnvironmentVariable("SLIPWAY_UPDATE_GOLDEN") == "1")
        {
            if (text is null) File.Delete(path);
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }
            Assert.Fail($"{path} was rewritten (SLIPWAY_UPDATE_GOLDEN=1): review the change, then run the test again");
        }
        if (text is null) Assert.Fail($"{path} should not be written");
        Assert.Equal(current, text);
    }
}
