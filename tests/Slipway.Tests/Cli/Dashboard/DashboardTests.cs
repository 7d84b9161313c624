using PuppeteerSharp;
using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Cli.Dashboard;

/// <summary>
/// <c>slipway dashboard</c> in a real headless browser (Debian's chromium, driven by PuppeteerSharp): the deployed
/// app is shown, a deploy made meanwhile appears (in progress with its stage, then done) without a reload, and the page logs no error.
/// </summary>
[Trait("Tier", "browser")]
[Collection(EngineCollection.Name)]
public sealed class DashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Chromium => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed: scripts/install.sh installs it with WITH_TESTS=1");

    [Fact]
    public async Task The_page_shows_the_deployed_apps_and_a_new_deploy_appears_without_a_reload_and_with_no_console_error()
    {
        await using var app = new LocalApp("dash");
        (await app.RunAsync("up")).Succeeded();
        var port = FreePort.Next();
        using var dashboard = app.Cli.Start(["dashboard", "--port", port.ToString()]);
        var url = $"http://127.0.0.1:{port}/";
        await Eventually.WaitUntilAsync(async () =>
        {
            try { return (await Http.Client.GetAsync(url, Ct)).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30), "the dashboard answers");

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) lock (errors) errors.Add(e.Message.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add(e.Message); };
        await page.GoToAsync(url);

        var row = $"tr[data-app='{app.Name}'][data-environment='local']";
        await page.WaitForSelectorAsync($"{row} td[data-version='{app.FirstVersion}']", new WaitForSelectorOptions { Timeout = 30_000 });
        Assert.Contains("2/2 healthy", await page.EvaluateExpressionAsync<string>($"document.querySelector(\"{row}\").innerText"));
        var loadedAt = await page.EvaluateExpressionAsync<double>("window.slipwayLoadedAt");

        // A deploy parked just before its cut-over shows as in progress, with its stage, on the open page.
        var go = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "go");
        app.WriteManifest(extra: $"hooks:\n  preCutover: while [ ! -f {go} ]; do sleep 0.05; done\n");
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        using (var deploying = app.Start("up"))
        {
            try
            {
                await page.WaitForFunctionAsync($"() => document.querySelector(\"{row}\").innerText.includes('stage deploy')",
                    new WaitForFunctionOptions { Timeout = 60_000 });
                Assert.Contains("in progress: slipway up", await page.EvaluateExpressionAsync<string>($"document.querySelector(\"{row}\").innerText"));
            }
            finally
            {
                File.WriteAllText(go, "");
            }
            (await deploying.WaitAsync(Ct)).Succeeded();
        }

        // The deploy's end reaches the page by itself: the new version serving, and the release recorded as succeeded.
        await page.WaitForSelectorAsync($"{row} td[data-version='{second}']", new WaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForFunctionAsync($"() => document.querySelector(\"{row}\").innerText.includes('deploy {second} succeeded')",
            new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal(loadedAt, await page.EvaluateExpressionAsync<double>("window.slipwayLoadedAt")); // the same page, never reloaded
        lock (errors) Assert.Empty(errors);
        dashboard.Interrupt();
        (await dashboard.WaitAsync(Ct)).Succeeded();
    }

    [Fact]
    public async Task On_loopback_it_answers_only_requests_naming_loopback_and_forbids_framing_and_sniffing()
    {
        using var dir = new TempDirectory("slipway-dash");
        var port = FreePort.Next();
        using var dashboard = new SlipwayCli(dir.Path).Start(["dashboard", "--port", port.ToString()]);
        await Eventually.WaitUntilAsync(() => Task.FromResult(dashboard.StdoutSoFar.Contains("http://", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the dashboard printed its URL");

        async Task<HttpResponseMessage> GetAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/api/state");
            request.Headers.Host = host;
            return await Http.Client.SendAsync(request, Ct);
        }
        var rebound = await GetAsync($"rebind.example:{port}");
        var own = await GetAsync($"127.0.0.1:{port}");
        var named = await GetAsync($"localhost:{port}");

        Assert.Equal((System.Net.HttpStatusCode.Forbidden, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK),
            (rebound.StatusCode, own.StatusCode, named.StatusCode));
        Assert.Equal(["DENY"], own.Headers.GetValues("X-Frame-Options"));
        Assert.Equal(["nosniff"], own.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["no-referrer"], own.Headers.GetValues("Referrer-Policy"));
        dashboard.Interrupt();
        await dashboard.WaitAsync(Ct);
    }

    [Fact]
    public async Task Bound_beyond_loopback_every_request_needs_the_token_it_printed()
    {
        using var dir = new TempDirectory("slipway-dash");
        var cli = new SlipwayCli(dir.Path);
        var port = FreePort.Next();
        using var dashboard = cli.Start(["dashboard", "--port", port.ToString(), "--bind", "0.0.0.0"]);
        string? printed = null;
        await Eventually.WaitUntilAsync(() => Task.FromResult((printed = dashboard.StdoutSoFar.Split('\n').FirstOrDefault(l => l.Contains("token=", StringComparison.Ordinal))) is not null),
            TimeSpan.FromSeconds(30), "the dashboard printed its URL");

        var withToken = await Http.Client.GetAsync(printed!.Trim().Replace("0.0.0.0", "127.0.0.1"), Ct);
        var without = await Http.Client.GetAsync($"http://127.0.0.1:{port}/api/state", Ct);
        var wrong = await Http.Client.GetAsync($"http://127.0.0.1:{port}/api/state?token=guess", Ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, withToken.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrong.StatusCode);
        dashboard.Interrupt();
        await dashboard.WaitAsync(Ct);
    }
}
