using System.Text.Json;
using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Preview environments on aws through the real CLI against moto's wire protocol: each a stack of its own, tagged with its name,
/// base and expiry, listed by those tags, the oldest removed past max, and destroy taking its stack. Expired previews are removed
/// by the next <c>up --preview</c> (<c>PreviewRoomTests</c>: with no clock of its own to fake, the CLI is not made to wait here).
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class PreviewsMotoTests(MotoFixture moto) : MotoAppTest(moto, "awsp"), IClassFixture<MotoFixture>
{
    private string StackOf(string preview) => $"slipway-{App.Name}-{preview}";

    [Fact]
    public async Task Each_preview_is_a_stack_of_its_own_listed_by_its_tags_the_oldest_removed_past_max_and_destroy_takes_it()
    {
        App.WriteManifest(extra: "previews:\n  from: aws\n  max: 2\n  whenFull: evict\n");

        (await RunWithoutEnvironmentAsync("up", "--preview", "pr-1", "--no-check")).Succeeded();
        var stack = await CloudFormation.DescribeStackAsync(StackOf("pr-1"), Ct);
        Assert.Equal(("pr-1", $"{App.Name}@aws", $"{App.Name}-pr-1"),
            (stack!.Tags["slipway:preview"], stack.Tags["slipway:preview-of"], stack.Tags["slipway:app"]));
        Assert.True(DateTimeOffset.Parse(stack.Tags["slipway:expires"], System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(71));
        Assert.Null(await CloudFormation.DescribeStackAsync(StackName, Ct)); // the base is not touched
        (await RunWithoutEnvironmentAsync("up", "--preview", "pr-2", "--no-check")).Succeeded();

        var listed = await RunWithoutEnvironmentAsync("previews", "--json");
        listed.Succeeded();
        Assert.Equal(["pr-1", "pr-2"], JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());

        var third = await RunWithoutEnvironmentAsync("up", "--preview", "pr-3", "--no-check");
        third.Succeeded();
        Assert.Contains("removing the oldest preview, pr-1", third.All);
        Assert.Null(await CloudFormation.DescribeStackAsync(StackOf("pr-1"), Ct));
        Assert.NotNull(await CloudFormation.DescribeStackAsync(StackOf("pr-3"), Ct));

        foreach (var name in new[] { "pr-2", "pr-3" }) (await RunWithoutEnvironmentAsync("destroy", "--preview", name, "--yes")).Succeeded();
        Assert.Null(await CloudFormation.DescribeStackAsync(StackOf("pr-2"), Ct));
        Assert.Equal("[]", (await RunWithoutEnvironmentAsync("previews", "--json")).Stdout.Trim());
    }
}
