using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slipway.Tests.Support;

/// <summary>A real HTTP server on loopback standing in for one replica: it says its name, and its health can be switched.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _healthStatus = 200;
    private int _served;
    private int _errorPercent;
    private long _answered;
    private readonly TaskCompletionSource _slowArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _releaseSlow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }
    public int Port { get; private set; }
    public string Address => $"http://127.0.0.1:{Port}";
    public int Served => _served;

    /// <summary>Completes when a request to /slow has reached this backend; it then waits for <see cref="ReleaseSlow"/>.</summary>
    public Task SlowArrived => _slowArrived.Task;

    public void ReleaseSlow() => _releaseSlow.TrySetResult();

    /// <summary>The share of requests to / answered 500, exactly: the n-th is when n × percent / 100 passes a whole number. Health is unaffected.</summary>
    public int ErrorPercent
    {
        get => _errorPercent;
        set => _errorPercent = value;
    }

    public int HealthStatus
    {
        get => _healthStatus;
        set => _healthStatus = value;
    }

    /// <param name="alsoOn">More loopback addresses it answers on, on the same port (a task that moved to another address).</param>
    public static async Task<TestBackend> StartAsync(string name, params IPAddress[] alsoOn)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        var port = alsoOn.Length == 0 ? 0 : FreePort.Next();
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var address in alsoOn.Prepend(IPAddress.Loopback)) k.Listen(address, port);
        });
        var app = builder.Build();
        var backend = new TestBackend(name, app);
        app.MapGet("/health", () => Results.StatusCode(backend._healthStatus));
        app.MapGet("/slow", async (CancellationToken ct) =>
        {
            backend._slowArrived.TrySetResult();
            await backend._releaseSlow.Task.WaitAsync(ct);
            Interlocked.Increment(ref backend._served);
            return $"slow {name}";
        });
        app.MapGet("/status/{code:int}", (int code) =>
        {
            Interlocked.Increment(ref backend._served);
            return Results.StatusCode(code);
        });
        app.MapFallback(() =>
        {
            Interlocked.Increment(ref backend._served);
            var n = Interlocked.Increment(ref backend._answered);
            var percent = backend._errorPercent;
            return n * percent / 100 != (n - 1) * percent / 100 ? Results.StatusCode(500) : Results.Text($"backend {name}");
        });
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseSlow();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
