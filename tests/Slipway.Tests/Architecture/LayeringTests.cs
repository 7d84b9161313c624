using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Slipway.Tests.Support;

namespace Slipway.Tests.Architecture;

/// <summary>
/// The architecture is the projects' references, which the compiler enforces (each project sees only what it names:
/// DisableTransitiveProjectReferences). These rules are over that graph and over the compiled assemblies, so a new
/// project or namespace is held to them without anyone adding it to a list: CLI → Pipeline → Platforms → clients,
/// with Configuration and Foundation beneath them all, and the edge a program of its own reached through its contract.
/// </summary>
[Trait("Tier", "unit")]
public sealed class LayeringTests
{
    private static readonly string Source = Path.Combine(RepositoryRoot.Path, "src");

    /// <summary>Every project under src/ and the projects it references, by name.</summary>
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Graph = Directory.EnumerateFiles(Source, "*.csproj", SearchOption.AllDirectories)
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => (IReadOnlyList<string>)XDocument.Load(f).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList());

    /// <summary>How low a project sits: it may reference only lower ones. A project not here fails the first rule until it is placed.</summary>
    private static readonly IReadOnlyDictionary<string, int> Layer = new Dictionary<string, int>
    {
        ["Slipway.Foundation"] = 0,
        ["Slipway.Configuration"] = 1, ["Slipway.Edge.Contract"] = 1,
        ["Slipway.Source"] = 2, ["Slipway.Engine"] = 2, ["Slipway.Cloud.Aws"] = 2, ["Slipway.Backups"] = 2,
        ["Slipway.Platforms"] = 3, ["Slipway.Edge"] = 3, // the edge's scheduler starts jobs through the engine's client
        ["Slipway.Pipeline"] = 4, // and every concrete platform, Slipway.Platforms.<Name>
        ["Slipway.Cli"] = 5,
    };

    private static bool IsConcretePlatform(string project) => project.StartsWith("Slipway.Platforms.", StringComparison.Ordinal);

    private static int LayerOf(string project) => IsConcretePlatform(project) ? 4 : Layer.TryGetValue(project, out var layer) ? layer
        : throw new Xunit.Sdk.XunitException($"{project} has no layer: place it in LayeringTests.Layer");

    /// <summary>The compiled assemblies of src/, each with its project's name.</summary>
    private static readonly IReadOnlyDictionary<string, Assembly> Assemblies = Graph.Keys.ToDictionary(p => p, p => Assembly.Load(p switch
    {
        "Slipway.Cli" => "slipway",
        "Slipway.Edge" => "slipway-edge",
        _ => p,
    }));

    [Fact]
    public void The_rules_see_every_project_and_its_references()
    {
        // Guards the rules below against passing vacuously (a graph read wrong, an assembly not found).
        Assert.Equal(14, Graph.Count);
        Assert.Contains("Slipway.Platforms", Graph["Slipway.Platforms.Local"]);
        Assert.Contains("Slipway.Cloud.Aws", Graph["Slipway.Platforms.Aws"]);
        Assert.Contains(Assemblies["Slipway.Pipeline"].GetReferencedAssemblies(), a => a.Name == "Slipway.Platforms");
    }

    [Fact]
    public void A_project_references_only_projects_below_it() =>
        Assert.Empty(Graph.SelectMany(p => p.Value.Where(r => LayerOf(r) >= LayerOf(p.Key)).Select(r => $"{p.Key} → {r}")));

    [Fact]
    public void No_platform_references_another() =>
        Assert.Empty(Graph.Where(p => IsConcretePlatform(p.Key)).SelectMany(p => p.Value.Where(IsConcretePlatform).Select(r => $"{p.Key} → {r}")));

    [Fact]
    public void Only_the_cli_composes_the_pipeline_and_the_platforms() =>
        Assert.Empty(Graph.Where(p => p.Key != "Slipway.Cli")
            .SelectMany(p => p.Value.Where(r => r == "Slipway.Pipeline" || IsConcretePlatform(r) || r == "Slipway.Cli").Select(r => $"{p.Key} → {r}")));

    [Fact]
    public void The_edge_is_a_program_of_its_own_reached_only_through_its_contract()
    {
        Assert.Equal(["Slipway.Cli"], Graph.Where(p => p.Value.Contains("Slipway.Edge")).Select(p => p.Key)); // it ships beside the CLI
        // ... built with it (ReferenceOutputAssembly="false"), never referenced: the CLI calls nothing of the edge program.
        Assert.Empty(Assemblies.Where(a => a.Value.GetReferencedAssemblies().Any(r => r.Name == "slipway-edge")).Select(a => a.Key));
        // The engine's client serves its scheduler only, run as a container of its own with the engine's socket: the proxy's has none;
        // the backup store's format is the one the CLI reads, for the scheduled backups the scheduler runs.
        Assert.Equal(["Slipway.Backups", "Slipway.Edge.Contract", "Slipway.Engine", "Slipway.Foundation"], Graph["Slipway.Edge"].Order());
    }

    [Fact]
    public void Every_namespace_lives_in_the_project_of_its_name()
    {
        // So code cannot slip past the rules by its namespace: Slipway.Platforms.Ssh lives in Slipway.Platforms.Ssh, with its own references.
        var strays = Assemblies.SelectMany(a => a.Value.GetTypes()
                .Where(t => !IsGenerated(t) && t.Namespace != a.Key && !(t.Namespace ?? "").StartsWith(a.Key + ".", StringComparison.Ordinal))
                .Where(t => !Assemblies.Keys.Any(other => other.Length > a.Key.Length && other.StartsWith(a.Key + ".", StringComparison.Ordinal) && t.Namespace!.StartsWith(other, StringComparison.Ordinal)))
                .Select(t => $"{t.FullName} in {a.Key}"))
            .ToList();
        Assert.Empty(strays);
        var nested = Assemblies.SelectMany(a => a.Value.GetTypes().Where(t => t.Namespace is not null
            && Assemblies.Keys.Any(other => other != a.Key && other.StartsWith(a.Key + ".", StringComparison.Ordinal)
                && (t.Namespace == other || t.Namespace.StartsWith(other + ".", StringComparison.Ordinal))))
            .Select(t => $"{t.FullName} in {a.Key}"));
        Assert.Empty(nested); // a type in Slipway.Platforms may not name itself Slipway.Platforms.Aws.*
    }

    /// <summary>What the compiler writes for itself (regex engines, embedded attributes): in namespaces of its own, not ours.</summary>
    private static bool IsGenerated(Type type) => type.FullName!.Contains('<', StringComparison.Ordinal)
        || type.Namespace is { } name && (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal));

    [Fact]
    public void What_an_assembly_uses_is_what_its_project_names() =>
        Assert.Empty(Assemblies.SelectMany(a => a.Value.GetReferencedAssemblies().Select(r => r.Name!)
            .Where(name => Assemblies.Values.Any(other => other.GetName().Name == name))
            .Select(name => Assemblies.First(other => other.Value.GetName().Name == name).Key)
            .Where(project => !Graph[a.Key].Contains(project))
            .Select(project => $"{a.Key} uses {project}")));

    [Fact]
    public void Outside_the_platforms_no_code_compares_platform_names_or_switches_on_a_platform()
    {
        var outside = Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !IsConcretePlatform(Path.GetRelativePath(Source, f).Split(Path.DirectorySeparatorChar)[0]));
        var found = outside
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(Source, f), Line: i + 1, Text: line)))
            .Where(l => Regex.IsMatch(l.Text, @"(==|!=|\bis|case)\s*""(local|aws)""|""(local|aws)""\s*(==|!=)|\bPlatformKind\b|\b(LocalModule|AwsModule)\.PlatformName\b"))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();
        // Copilot's import names the aws platform: a Copilot manifest is an aws one by definition. Seeing it proves the check is not blind.
        Assert.Contains(found, f => f.StartsWith("Slipway.Cli/Commands/ImportCommand.cs:", StringComparison.Ordinal));
        Assert.DoesNotContain(found, f => !f.StartsWith("Slipway.Cli/Commands/ImportCommand.cs:", StringComparison.Ordinal));
    }
}
