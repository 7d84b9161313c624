using NetArchTest.Rules;

namespace Slipway.Tests.Architecture;

/// <summary>
/// The direction of dependencies, enforced on the compiled code: CLI → Pipeline → Platforms → clients (Engine,
/// Cloud, Source, Edge client), with Configuration, Output and Common beneath them all.
/// </summary>
public sealed class LayeringTests
{
    private static Types Slipway => Types.InAssembly(typeof(Slipway.Cli.Program).Assembly);

    private static void Holds(ConditionList rule, string why)
    {
        var result = rule.GetResult();
        Assert.True(result.IsSuccessful, $"{why}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_checker_sees_dependencies_that_exist()
    {
        // Guards every rule below against passing vacuously (a namespace that matches nothing, a blind checker).
        Assert.True(Slipway.That().HaveName("LocalPlatform").Should().HaveDependencyOn("Slipway.Engine").GetResult().IsSuccessful);
        Assert.False(Slipway.That().HaveName("LocalPlatform").ShouldNot().HaveDependencyOn("Slipway.Edge").GetResult().IsSuccessful);
        foreach (var layer in new[] { "Slipway.Engine", "Slipway.Cloud", "Slipway.Source", "Slipway.Edge", "Slipway.EdgeControl", "Slipway.Pipeline", "Slipway.Cli", "Slipway.Configuration", "Slipway.Platforms.Aws.Shared", "Slipway.Init", "Slipway.Dashboard" })
            Assert.NotEmpty(Slipway.That().ResideInNamespace(layer).GetTypes());
        Assert.Contains(Slipway.That().ResideInNamespaceMatching(@"^Slipway\.Edge$").GetTypes(), t => t.Name == "EdgeServer");
    }

    [Theory]
    [InlineData("Slipway.Engine")]
    [InlineData("Slipway.Cloud")]
    [InlineData("Slipway.Source")]
    public void Clients_depend_on_nothing_above_them(string client) =>
        Holds(Slipway.That().ResideInNamespace(client).ShouldNot()
            .HaveDependencyOnAny("Slipway.Cli", "Slipway.Pipeline", "Slipway.Platforms", "Slipway.Edge", "Slipway.EdgeControl", "Slipway.Diagnostics", "Slipway.History"),
            $"{client} reaches above itself");

    [Fact]
    public void The_edge_server_depends_on_no_cli_pipeline_or_platform_code() =>
        Holds(Slipway.That().ResideInNamespaceMatching(@"^Slipway\.Edge$").ShouldNot()
            .HaveDependencyOnAny("Slipway.Cli", "Slipway.Pipeline", "Slipway.Platforms", "Slipway.Cloud", "Slipway.Configuration"),
            "the edge reaches into the deploy side");

    [Fact]
    public void The_edge_server_knows_nothing_of_the_cli_side_that_starts_it_and_talks_to_it() =>
        Holds(Slipway.That().ResideInNamespaceMatching(@"^Slipway\.Edge$").ShouldNot().HaveDependencyOn("Slipway.EdgeControl"),
            "the edge server reaches its own client");

    [Fact]
    public void Init_import_and_the_dashboard_change_nothing_deployed_they_reach_no_pipeline_platform_engine_or_cloud() =>
        Holds(Slipway.That().ResideInNamespace("Slipway.Init").Or().ResideInNamespace("Slipway.Dashboard").Or().ResideInNamespace("Slipway.Import").ShouldNot()
            .HaveDependencyOnAny("Slipway.Pipeline", "Slipway.Platforms", "Slipway.Engine", "Slipway.Cloud", "Slipway.Cli"),
            "a read-only feature reaches what deploys");

    [Fact]
    public void The_pipeline_depends_on_no_concrete_platform_or_client() =>
        Holds(Slipway.That().ResideInNamespace("Slipway.Pipeline").ShouldNot()
            .HaveDependencyOnAny("Slipway.Platforms.Local", "Slipway.Platforms.Aws", "Slipway.Engine", "Slipway.Cloud", "Slipway.Cli"),
            "the pipeline knows a concrete platform or client");

    [Fact]
    public void The_cli_does_not_reach_the_engine_or_the_cloud_clients() =>
        Holds(Slipway.That().ResideInNamespace("Slipway.Cli").ShouldNot()
            .HaveDependencyOnAny("Slipway.Engine", "Slipway.Cloud", "Slipway.Platforms.Local", "Slipway.Platforms.Aws"),
            "the CLI reaches past the platforms");

    [Fact]
    public void The_pipeline_reaches_the_shared_lock_and_history_only_through_their_interfaces() =>
        Holds(Slipway.That().ResideInNamespace("Slipway.Pipeline").Or().ResideInNamespace("Slipway.Cli").ShouldNot()
            .HaveDependencyOnAny("Slipway.Platforms.Aws.Shared", "Slipway.History.SqliteReleaseLog"),
            "run policy knows where runs are locked or recorded");

    [Fact]
    public void Configuration_and_common_depend_on_no_layer_above() =>
        Holds(Slipway.That().ResideInNamespace("Slipway.Configuration").Or().ResideInNamespace("Slipway.Common").ShouldNot()
            .HaveDependencyOnAny("Slipway.Cli", "Slipway.Pipeline", "Slipway.Platforms", "Slipway.Engine", "Slipway.Cloud", "Slipway.Edge", "Slipway.Source"),
            "a foundation reaches up");

    [Fact]
    public void No_code_compares_platform_names_any_more_than_the_one_place_that_parses_them()
    {
        var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Slipway"));
        var comparisons = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(source, f), Line: i + 1, Text: line)))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"(==|!=|\bis|case)\s*""(local|aws)""|""(local|aws)""\s*(==|!=)"))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();
        Assert.Empty(comparisons);
    }

    [Fact]
    public void The_edge_servers_types_are_internal_unless_another_folder_uses_them()
    {
        var edge = Slipway.That().ResideInNamespaceMatching(@"^Slipway\.Edge$").And().ArePublic().GetTypes()
            .Where(t => !t.IsNested && !t.Name.StartsWith('<')).ToList();
        Assert.Contains(edge, t => t.Name == "EdgeServer");
        // Constants are compiled into their callers, where no dependency on the type remains: these share theirs with the CLI side.
        string[] constantsShared = ["ControlApi", "TargetOutcomes", "EdgeErrors", "ProxyConfigBuilder", "CanaryOutcomes", "EdgeFeatures", "TlsIssuers"];
        var unused = edge.Where(t => !constantsShared.Contains(t.Name)).Where(t => !Slipway.That().DoNotResideInNamespaceMatching(@"^Slipway\.Edge$").And().HaveDependencyOn(t.FullName!).GetTypes().Any())
            .Select(t => t.Name).ToList();
        Assert.True(unused.Count == 0, $"public but used only inside Slipway.Edge: {string.Join(", ", unused)}");
    }
}

