using System.Text.RegularExpressions;
using Slipway.Foundation;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Production code bends to an AWS emulator in these places only, each behind one property of <see cref="AwsEndpointProfile"/>,
/// which is false on real AWS: the list below is every branch an emulator takes.
/// </summary>
[Trait("Tier", "unit")]
public sealed class EmulatorSeamTests
{
    private static readonly string Platform = Path.Combine(RepositoryRoot.Path, "src", "Slipway.Platforms.Aws");

    /// <summary>Each emulator-only property, and the files that ask it.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> Branches = new Dictionary<string, string[]>
    {
        [nameof(AwsEndpointProfile.DeleteStackErrorsAreNotFinal)] = ["StackOperations.cs"],
        [nameof(AwsEndpointProfile.RepositoryOutlivesStack)] = ["AwsTeardown.cs"],
        [nameof(AwsEndpointProfile.KeepsOneDeployment)] = ["DeploymentProgress.cs"],
        [nameof(AwsEndpointProfile.NeedsContainerMemory)] = ["OneOffTaskDefinition.cs"],
        [nameof(AwsEndpointProfile.ChangeSetsGiveNoOutputs)] = ["AwsDataStack.cs"],
        // The plain-HTTP registry in place of ECR: where images are pushed, listed and pulled from.
        [nameof(AwsEndpointProfile.Registry)] = ["AwsImages.cs", "AwsPlatform.cs", "ReleaseRollout.cs"],
    };

    private static IEnumerable<(string File, string Text)> Sources() =>
        Directory.EnumerateFiles(Platform, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f)));

    [Fact]
    public void Every_place_that_takes_an_emulator_branch_is_listed()
    {
        var asked = Sources().Where(s => s.File != "AwsEndpointProfile.cs")
            .SelectMany(s => Regex.Matches(s.Text, @"\bprofile\.(\w+)").Select(m => (Property: m.Groups[1].Value, s.File)))
            // The registry's own API, called only where a Registry branch chose the registry.
            .Where(a => a.Property is not (nameof(AwsEndpointProfile.HasTagAsync) or nameof(AwsEndpointProfile.ListTagsAsync) or nameof(AwsEndpointProfile.TagAsync)))
            .Distinct().GroupBy(a => a.Property).ToDictionary(g => g.Key, g => g.Select(a => a.File).Order().ToArray());
        Assert.Equal(Branches.OrderBy(b => b.Key).Select(b => $"{b.Key}: {string.Join(", ", b.Value.Order())}"),
            asked.OrderBy(b => b.Key).Select(b => $"{b.Key}: {string.Join(", ", b.Value)}"));
        // Every emulator-only property is listed, and nothing else in the platform names an emulator.
        var properties = typeof(AwsEndpointProfile).GetProperties().Where(p => p.PropertyType == typeof(bool) && p.Name != nameof(AwsEndpointProfile.IsEmulator))
            .Select(p => p.Name).Append(nameof(AwsEndpointProfile.Registry)).Order();
        Assert.Equal(properties, Branches.Keys.Order());
        Assert.DoesNotContain(Sources(), s => s.File != "AwsEndpointProfile.cs" && Regex.IsMatch(s.Text, "moto|emulat", RegexOptions.IgnoreCase));
    }

    [Fact]
    public void Real_aws_takes_no_emulator_branch_and_a_registry_without_an_emulator_is_refused()
    {
        var real = AwsEndpointProfile.FromEnvironment(_ => null);
        Assert.Equal(AwsEndpointProfile.RealAws, real);
        Assert.All(typeof(AwsEndpointProfile).GetProperties().Where(p => p.PropertyType == typeof(bool)), p => Assert.False((bool)p.GetValue(real)!, p.Name));
        Assert.True(AwsEndpointProfile.FromEnvironment(name => name == "SLIPWAY_AWS_EMULATOR" ? "moto" : null).KeepsOneDeployment);

        var refused = Assert.Throws<SlipwayException>(() => AwsEndpointProfile.FromEnvironment(name => name == "SLIPWAY_REGISTRY" ? "127.0.0.1:5000" : null));
        Assert.Equal(ErrorCode.InvalidSetting, refused.Code);
    }
}
