using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slipway.Tests.Support;

/// <summary>A loopback HTTP endpoint standing in for a chat tool's webhook: it keeps every event posted to it.</summary>
public sealed class WebhookListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _released = new(0);

    private WebhookListener(WebApplication app) => _app = app;

    public List<JsonObject> Events { get; } = [];
    public int Requests { get; private set; }

    /// <summary>The Authorization field of each request (null where it had none).</summary>
    public List<string?> Authorizations { get; } = [];
    /// <summary>The URL to post to; its path stands for the token such URLs carry.</summary>
    public string Url { get; private set; } = "";

    /// <param name="status">The status each request is answered with.</param>
    /// <param name="park">Hold every request unanswered until the listener is disposed (a webhook that never answers).</param>
    public static async Task<WebhookListener> StartAsync(int status = 200, bool park = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var listener = new WebhookListener(app);
        app.MapPost("/hooks/T0KEN-{id}", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            lock (listener.Events)
            {
                listener.Requests++;
                listener.Authorizations.Add(http.Request.Headers.Authorization.FirstOrDefault());
                if (JsonNode.Parse(body) is JsonObject e) listener.Events.Add(e);
            }
            if (park) await listener._released.WaitAsync(TimeSpan.FromMinutes(1));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        listener.Url = app.Urls.First() + "/hooks/T0KEN-" + Guid.NewGuid().ToString("N");
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        _released.Release(100);
        await _app.DisposeAsync();
    }
}
