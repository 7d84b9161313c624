using Slipway.Tests.Support;

namespace Slipway.Tests.Architecture;

/// <summary>tests/ mirrors src/ folder by folder, so the tests of a behaviour are found where its code is.</summary>
public sealed class TestLayoutTests
{
    private static readonly string Source = Path.Combine(RepositoryRoot.Path, "src", "Slipway");
    private static readonly string Tests = Path.Combine(RepositoryRoot.Path, "tests", "Slipway.Tests");

    /// <summary>Test folders that name no source folder, each for a reason.</summary>
    private static readonly IReadOnlyDictionary<string, string> TestOnly = new Dictionary<string, string>
    {
        ["Architecture"] = "rules over the whole code",
        ["EndToEnd"] = "the CLI run as a user runs it, across every layer (bad input, faults, day-two commands)",
        ["Security"] = "secrets and hostile input, across every layer",
        ["Support"] = "helpers, one per need",
    };

    /// <summary>Source folders without a test folder of their own, and where their behaviour is tested instead.</summary>
    private static readonly IReadOnlyDictionary<string, string> TestedElsewhere = new Dictionary<string, string>
    {
        ["Output"] = "the reporter prints every test's progress: Pipeline/UpPipelineTests and every CLI run assert on it",
        ["Cli/Commands"] = "each command is run through the real CLI by the tests of what it does (EndToEnd/, Platforms/, Dashboard/ ...)",
        ["EdgeControl"] = "Edge/ tests and every local deploy drive the real edge through its client and launcher",
    };

    private static IEnumerable<string> Folders(string root) =>
        Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(root, d))
            .Where(d => !d.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "Golden"))
            .Where(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs").Any());

    [Fact]
    public void Every_test_folder_names_a_source_folder()
    {
        var sources = Folders(Source).ToHashSet();
        var strays = Folders(Tests).Where(d => !sources.Contains(d) && !TestOnly.ContainsKey(d.Split(Path.DirectorySeparatorChar)[0])).ToList();
        Assert.True(strays.Count == 0, $"test folders with no source folder of that name: {string.Join(", ", strays)}");
    }

    [Fact]
    public void Every_source_folder_has_its_tests_beside_the_others()
    {
        var tests = Folders(Tests).ToHashSet();
        var untested = Folders(Source).Where(d => !tests.Contains(d) && !TestedElsewhere.ContainsKey(d.Replace(Path.DirectorySeparatorChar, '/')) && !tests.Any(t => t.StartsWith(d + Path.DirectorySeparatorChar))).ToList();
        Assert.True(untested.Count == 0, $"source folders with no test folder: {string.Join(", ", untested)}");
        Assert.All(TestedElsewhere.Keys, d => Assert.True(Directory.Exists(Path.Combine(Source, d)), $"{d} is listed but no longer exists"));
    }
}
