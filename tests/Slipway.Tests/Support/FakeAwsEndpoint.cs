using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slipway.Tests.Support;

/// <summary>
/// A loopback endpoint that answers AWS query-protocol actions with recorded XML, for behaviour no emulator
/// here implements (moto answers DetectStackDrift with a 500). Every request's form is kept for assertions.
/// </summary>
public sealed class FakeAwsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<string, IReadOnlyDictionary<string, string>, string> _answer;

    public List<IReadOnlyDictionary<string, string>> Requests { get; } = [];
    public string Url { get; private set; } = "";

    private FakeAwsEndpoint(WebApplication app, Func<string, IReadOnlyDictionary<string, string>, string> answer)
    {
        _app = app;
        _answer = answer;
    }

    /// <param name="answer">Given the action and its form, the XML body to answer.</param>
    public static async Task<FakeAwsEndpoint> StartAsync(Func<string, IReadOnlyDictionary<string, string>, string> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var endpoint = new FakeAwsEndpoint(app, answer);
        app.MapPost("/", async (HttpContext http) =>
        {
            if (!http.Request.HasFormContentType) return Results.Text("{}", "application/x-amz-json-1.1"); // JSON services: nothing recorded
            var form = (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
            lock (endpoint.Requests) endpoint.Requests.Add(form);
            return Results.Text(endpoint._answer(form["Action"], form), "text/xml");
        });
        await app.StartAsync();
        endpoint.Url = app.Urls.First();
        return endpoint;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
