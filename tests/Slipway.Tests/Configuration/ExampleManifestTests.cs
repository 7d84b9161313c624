using Slipway.Tests.Support;
using System.Text.Json;
using Slipway.Configuration;
using YamlDotNet.RepresentationModel;

namespace Slipway.Tests.Configuration;

/// <summary>The shipped example and the editor schema stay in step with the loader.</summary>
[Trait("Tier", "unit")]
public sealed class ExampleManifestTests
{
    [Fact]
    public void The_example_manifest_loads_and_points_at_the_example_app()
    {
        var app = Support.Manifests.Load(Path.Combine(RepositoryRoot.Path, "examples", "hello-flask", "slipway.yaml"));

        Assert.Equal("hello-flask", app.App);
        Assert.Equal(RepositoryRoot.Path, app.Source.Location);
        Assert.Equal("examples/hello-flask/app", app.Source.Subdirectory);
        Assert.True(File.Exists(Path.Combine(app.Source.Location, app.Source.Subdirectory!, "app.py")));
    }

    [Fact]
    public void Every_key_of_the_example_is_in_the_schema()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "schema", "slipway.schema.json")));
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "examples", "hello-flask", "slipway.yaml"))));

        var missing = new List<string>();
        void Walk(YamlMappingNode node, JsonElement schemaNode, string path)
        {
            var properties = schemaNode.GetProperty("properties");
            foreach (var (key, value) in node.Children)
            {
                var name = ((YamlScalarNode)key).Value!;
                if (!properties.TryGetProperty(name, out var child)) { missing.Add(path + name); continue; }
                if (value is YamlMappingNode mapping && child.TryGetProperty("properties", out _)) Walk(mapping, child, path + name + ".");
            }
        }
        Walk((YamlMappingNode)yaml.Documents[0].RootNode, schema.RootElement, "");

        Assert.Empty(missing);
    }
}
