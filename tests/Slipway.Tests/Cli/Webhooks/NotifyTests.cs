using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Cli.Webhooks;

/// <summary><c>notify:</c> a JSON event per deploy, rejection, rollback and destroy, posted to a real listener; never a secret, never the command's failure.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class NotifyTests
{
    [Fact]
    public async Task Deploys_rejections_rollbacks_and_destroys_are_announced_without_secrets()
    {
        await using var hook = await WebhookListener.StartAsync();
        await using var app = new LocalApp("notify");
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        app.WriteManifest(extra: $"notify:\n  webhook: {hook.Url}\nsecrets:\n  API_TOKEN:\n    fromEnv: NOTIFY_TEST_TOKEN\n");
        var env = new Dictionary<string, string> { ["NOTIFY_TEST_TOKEN"] = secret };
        Task<CliResult> Run(params string[] args) => app.Cli.RunAsync([.. args, "-f", app.ManifestPath], env, TestContext.Current.CancellationToken);

        (await Run("up")).Succeeded();
        (await Run("up")).Succeeded(); // nothing changed: nothing to announce
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        (await Run("up")).Succeeded();
        app.Repo.Write("app/app.py", "raise RuntimeError('broken')\n");
        app.Repo.Commit("broken");
        Assert.Equal(1, (await Run("up")).ExitCode);
        (await Run("rollback", "--no-check")).Succeeded();
        (await Run("destroy", "--yes")).Succeeded();

        Assert.Equal(["deployed", "deployed", "rejected", "rolled back", "destroyed"], hook.Events.Select(e => (string?)e["event"]));
        var first = hook.Events[0];
        Assert.Equal(app.Name, (string?)first["app"]);
        Assert.Equal("local", (string?)first["environment"]);
        Assert.Equal(app.FirstVersion, (string?)first["version"]);
        Assert.Null(first["previousVersion"]);
        Assert.Equal(Environment.UserName, (string?)first["user"]);
        Assert.True((double)first["durationSeconds"]! > 0);
        Assert.Equal(app.FirstVersion, (string?)hook.Events[1]["previousVersion"]);
        Assert.Equal(second, (string?)hook.Events[1]["version"]);
        Assert.Contains("release rejected", (string?)hook.Events[2]["reason"]);
        Assert.Equal(app.FirstVersion, (string?)hook.Events[3]["version"]);
        Assert.DoesNotContain(hook.Events, e => e.ToJsonString().Contains(secret));
    }

    [Theory]
    [InlineData(false, "it answered 500")]
    [InlineData(true, "no answer within 300ms")]
    public async Task A_webhook_that_fails_or_never_answers_is_tried_three_times_and_is_only_a_warning(bool park, string problem)
    {
        await using var hook = await WebhookListener.StartAsync(status: 500, park: park);
        await using var app = new LocalApp("notify");
        app.WriteManifest(extra: $"notify:\n  webhookFromEnv: NOTIFY_TEST_URL\n  timeout: 300ms\n");

        var destroy = await app.Cli.RunAsync(["destroy", "--yes", "-f", app.ManifestPath], new Dictionary<string, string> { ["NOTIFY_TEST_URL"] = hook.Url },
            TestContext.Current.CancellationToken);

        destroy.Succeeded();
        Assert.Equal(3, hook.Requests);
        Assert.Contains($"was not delivered after 3 attempt(s): {problem}", destroy.Stderr);
        Assert.DoesNotContain("T0KEN", destroy.All); // the URL's path, which carries the token, is never shown
    }

    [Fact]
    public async Task Credentials_in_the_webhook_url_are_sent_as_basic_authentication_and_never_shown()
    {
        await using var hook = await WebhookListener.StartAsync();
        await using var app = new LocalApp("notifyauth");
        app.WriteManifest(extra: "notify:\n  webhookFromEnv: NOTIFY_TEST_URL\n");
        var url = hook.Url.Replace("http://", "http://bot:s3cr%40t@", StringComparison.Ordinal);

        var destroy = await app.Cli.RunAsync(["destroy", "--yes", "-f", app.ManifestPath], new Dictionary<string, string> { ["NOTIFY_TEST_URL"] = url },
            TestContext.Current.CancellationToken);

        destroy.Succeeded();
        Assert.Equal(["Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bot:s3cr@t"))], hook.Authorizations);
        Assert.DoesNotContain("s3cr", destroy.All);
    }
}
