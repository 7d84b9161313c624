using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slipway.Cli.Dashboard;

/// <summary>
/// <c>slipway dashboard</c>'s web server: the page, a JSON snapshot, and a server-sent event stream that pushes a new
/// snapshot whenever one differs from the last, so the page updates without a reload. On loopback it is open to this
/// machine's user; bound anywhere else, every request must carry the token printed at start.
/// </summary>
public sealed class DashboardServer(DashboardState state, TimeProvider time)
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private (string Json, long At)? _latest;

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <param name="token">Required on every request when not null (a non-loopback bind).</param>
    public async Task RunAsync(IPAddress address, int port, string? token, Action<Uri> started, CancellationToken ct)
    {
        // No watcher on appsettings files it never reads: each is an inotify instance, 128 per user by default.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        await using var app = builder.Build();
        app.Use((http, next) =>
        {
            // Not to be framed, sniffed, or to pass its URL (with a token) on to a page it links to.
            var headers = http.Response.Headers;
            headers["X-Frame-Options"] = "DENY";
            headers["X-Content-Type-Options"] = "nosniff";
            headers["Content-Security-Policy"] = "frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            // On loopback, without a token, a page from a domain that re-binds its name to 127.0.0.1 could read the state:
            // only a request that names this machine's loopback is answered.
            if (token is null && !IsLoopbackName(http.Request.Host.Host))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return http.Response.WriteAsync("this dashboard answers only to localhost, 127.0.0.1 or [::1]", ct);
            }
            return next(http);
        });
        if (token is not null)
            app.Use(async (http, next) =>
            {
                var given = http.Request.Query["token"].ToString();
                if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token)))
                {
                    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await http.Response.WriteAsync("a token is required: use the URL slipway dashboard printed", ct);
                    return;
                }
                await next(http);
            });
        app.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/state", async (CancellationToken request) => Results.Content(await LatestAsync(request), "application/json"));
        app.MapGet("/events", (HttpContext http) => StreamAsync(http, ct)); // ends with the server, not only with the page
        await app.StartAsync(ct);
        var shown = address.Equals(IPAddress.Any) ? "127.0.0.1" : address.ToString();
        started(new Uri($"http://{shown}:{port}/" + (token is null ? "" : $"?token={token}")));
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The state as JSON, read at most once per half poll however many pages are open: every stream shares one read.</summary>
    private async Task<string> LatestAsync(CancellationToken ct)
    {
        await _reading.WaitAsync(ct);
        try
        {
            if (_latest is not { } latest || time.GetElapsedTime(latest.At) >= PollEvery / 2)
                _latest = latest = (DashboardState.Json(await state.ReadAsync(ct)), time.GetTimestamp());
            return latest.Json;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Sends the state at once, then again each time it changes; a comment every 15 s keeps proxies from closing the stream.</summary>
    private async Task StreamAsync(HttpContext http, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = linked.Token;
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        string? last = null;
        var quiet = time.GetTimestamp();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var json = await LatestAsync(ct);
                if (json != last)
                {
                    await http.Response.WriteAsync($"event: state\ndata: {json}\n\n", ct);
                    last = json;
                    quiet = time.GetTimestamp();
                }
                else if (time.GetElapsedTime(quiet) > TimeSpan.FromSeconds(15))
                {
                    await http.Response.WriteAsync(": still here\n\n", ct);
                    quiet = time.GetTimestamp();
                }
                await http.Response.Body.FlushAsync(ct);
                await Task.Delay(PollEvery, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away, or the dashboard is stopping.
        }
    }
}
