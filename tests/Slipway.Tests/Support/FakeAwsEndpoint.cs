using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slipway.Tests.Support;

/// <summary>One request as it reached the endpoint: a JSON-protocol call has a target, a query-protocol call a form.</summary>
public sealed record AwsRequest(string? Target, string ContentType, string Body, IReadOnlyDictionary<string, string> Form)
{
    public string Action => Target?.Split('.')[1] ?? Form["Action"];
}

/// <summary>
/// A loopback endpoint standing in for AWS: it keeps every request as it came off the wire and answers with
/// recorded bodies, for behaviour no emulator here implements (moto answers DetectStackDrift with a 500) and
/// for checking what the clients send against the service models.
/// </summary>
public sealed class FakeAwsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    public List<AwsRequest> Requests { get; } = [];
    public string Url { get; private set; } = "";

    private FakeAwsEndpoint(WebApplication app) => _app = app;

    /// <param name="answer">The body to answer a request with: JSON for a JSON-protocol call, XML for a query-protocol one.</param>
    /// <param name="status">The HTTP status of each answer; 200 when not given.</param>
    public static async Task<FakeAwsEndpoint> StartAsync(Func<AwsRequest, string> answer, Func<AwsRequest, int>? status = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var endpoint = new FakeAwsEndpoint(app);
        app.MapPost("/", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var target = http.Request.Headers["X-Amz-Target"].ToString() is { Length: > 0 } t ? t : null;
            var form = target is null
                ? body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
                    .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')))
                : new Dictionary<string, string>();
            var request = new AwsRequest(target, http.Request.ContentType ?? "", body, form);
            lock (endpoint.Requests) endpoint.Requests.Add(request);
            var text = answer(request);
            var code = status?.Invoke(request) ?? 200; // after the answer, which may count calls
            return Results.Text(text, target is null ? "text/xml" : "application/x-amz-json-1.1", statusCode: code);
        });
        await app.StartAsync();
        endpoint.Url = app.Urls.First();
        return endpoint;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
