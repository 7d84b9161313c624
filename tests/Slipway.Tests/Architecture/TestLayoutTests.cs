using System.Reflection;
using Slipway.Tests.Support;

namespace Slipway.Tests.Architecture;

/// <summary>
/// Tests mirror the code's namespaces folder by folder (Slipway.Platforms.Aws.SharedState's tests are in
/// Platforms/Aws/SharedState), so the tests of a behaviour are found where its code is.
/// </summary>
[Trait("Tier", "unit")]
public sealed class TestLayoutTests
{
    private static readonly string Tests = Path.Combine(RepositoryRoot.Path, "tests", "Slipway.Tests");

    /// <summary>Test folders that name no namespace, each for a reason.</summary>
    private static readonly IReadOnlyDictionary<string, string> TestOnly = new Dictionary<string, string>
    {
        ["Architecture"] = "rules over the whole code",
        ["EndToEnd"] = "the CLI run as a user runs it, across every layer (bad input, faults, day-two commands)",
        ["Security"] = "secrets and hostile input, across every layer",
        ["Support"] = "helpers, one per need",
        ["Bench"] = "figures for bench/ (run by its scripts only, never timed as tests)",
    };

    /// <summary>Namespaces without a test folder of their own, and where their behaviour is tested instead.</summary>
    private static readonly IReadOnlyDictionary<string, string> TestedElsewhere = new Dictionary<string, string>
    {
        ["Cli/Commands"] = "each command is run through the real CLI by the tests of what it does (EndToEnd/, Platforms/, Cli/Dashboard/ ...)",
        ["Edge/Contract"] = "the records the edge and its client exchange: every Edge/ test sends and reads them",
        ["Foundation/Networking"] = "whether a port is free: the edge's port checks (Edge/, Cli/Preflight/) ask it of real sockets",
    };

    /// <summary>Every namespace of the code, as the folder its tests belong in.</summary>
    private static IReadOnlyList<string> CodeAreas() =>
        new[] { "slipway", "slipway-edge", "Slipway.Foundation", "Slipway.Configuration", "Slipway.Source", "Slipway.Engine", "Slipway.Cloud.Aws", "Slipway.Backups",
                "Slipway.Edge.Contract", "Slipway.Platforms", "Slipway.Platforms.Local", "Slipway.Platforms.Aws", "Slipway.Platforms.Swarm", "Slipway.Pipeline" }
            .SelectMany(name => Assembly.Load(name).GetTypes())
            .Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("Slipway.", StringComparison.Ordinal))
            .Select(n => n["Slipway.".Length..].Replace('.', '/')).Distinct().ToList();

    private static IEnumerable<string> TestFolders() =>
        Directory.EnumerateDirectories(Tests, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(Tests, d).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(d => !d.Split('/').Any(part => part is "bin" or "obj" or "Golden"))
            .Where(d => Directory.EnumerateFiles(Path.Combine(Tests, d), "*.cs").Any());

    [Fact]
    public void Every_test_folder_names_a_namespace_of_the_code()
    {
        var areas = CodeAreas().ToHashSet();
        Assert.Contains("Platforms/Aws/SharedState", areas); // the areas are read, not assumed
        var strays = TestFolders().Where(d => !areas.Contains(d) && !TestOnly.ContainsKey(d.Split('/')[0])).ToList();
        Assert.True(strays.Count == 0, $"test folders naming no namespace: {string.Join(", ", strays)}");
    }

    [Fact]
    public void Every_namespace_has_its_tests_in_the_folder_of_its_name()
    {
        var tests = TestFolders().ToHashSet();
        var areas = CodeAreas();
        var untested = areas.Where(a => !tests.Contains(a) && !TestedElsewhere.ContainsKey(a) && !tests.Any(t => t.StartsWith(a + "/", StringComparison.Ordinal))).ToList();
        Assert.True(untested.Count == 0, $"namespaces with no test folder: {string.Join(", ", untested)}");
        Assert.All(TestedElsewhere.Keys, a => Assert.True(areas.Contains(a), $"{a} is listed but is no namespace any more"));
    }

    private static readonly string[] Tiers = ["unit", "edge", "proof", "engine", "aws", "timing", "browser", "bench"];

    [Fact]
    public void Every_test_class_names_its_tier_so_scripts_test_can_pick_it()
    {
        var classes = typeof(TestLayoutTests).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttributes(typeof(FactAttribute), inherit: true).Length > 0))
            .ToList();
        Assert.Contains(classes, c => c == typeof(TestLayoutTests)); // the classes are found, not assumed
        var untiered = classes.Where(c => c.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Tier")
                .Select(a => (string?)a.ConstructorArguments[1].Value).SingleOrDefault() is not { } tier || !Tiers.Contains(tier))
            .Select(c => c.Name).ToList();
        Assert.True(untiered.Count == 0, $"test classes without a known [Trait(\"Tier\", ...)]: {string.Join(", ", untiered)}");
    }
}
