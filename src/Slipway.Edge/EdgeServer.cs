using System.Diagnostics;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Slipway's edge proxy, in the load balancer's role: YARP forwarding on the apps' public ports, active
/// health checks, health-gated atomic cut-over and draining, and a control API on a unix socket.
/// It runs as its own long-lived program (<c>slipway-edge serve</c>), so it keeps serving after the CLI exits.
/// </summary>
public static class EdgeServer
{
    /// <summary>The exit code when another edge already serves the directory; its supervisor then adopts that one.</summary>
    public const int AlreadyRunning = 3;

    /// <param name="time">The edge's clock; tests give a fake one to bring renewals due.</param>
    /// <param name="options">The edge's settings (the direct path, the connections per client); null: the defaults.</param>
    public static async Task<int> RunAsync(EdgePaths paths, IPAddress listenAddress, CancellationToken ct, TimeProvider? time = null,
        EdgeOptions? options = null)
    {
        options ??= new EdgeOptions();
        paths.EnsureExists();
        // One edge per directory: the lock is held for the life of the process and released by the OS on any exit.
        FileStream instanceLock;
        try
        {
            instanceLock = new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            await Console.Error.WriteLineAsync($"an edge proxy already runs for {paths.Directory}");
            return AlreadyRunning;
        }
        await using var _ = instanceLock;
        if (File.Exists(paths.ControlSocket)) File.Delete(paths.ControlSocket); // left by a killed edge
        File.Delete(paths.StoppedMarker);

        // No distributed tracing here: without this, every forwarded request creates an Activity and a traceparent header.
        AppContext.SetSwitch("System.Net.Http.EnableActivityPropagation", false);
        var tls = new TlsTermination();
        var listeners = new ListenerConfiguration(listenAddress.ToString(), tls, options.MetricsAddress.ToString());
        // No watcher on appsettings files it never reads: each is an inotify instance, 128 per user by default.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(listeners);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // With its logger enabled at any level, ASP.NET's hosting starts an Activity and a log scope for every
        // request; the edge logs no request, so it pays for neither (measured in bench/README.md).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // Kestrel's continuations run on the socket's I/O thread instead of a hop through the thread pool; with the runtime's
        // inline completions (EdgeLauncher sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS) a request is served with no
        // thread switch. Nothing the edge does on a request blocks for long: its control API writes a small routes file, and
        // waits (health gate, drain) are asynchronous. Measured in bench/README.md.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Configure(context.Configuration.GetSection(ListenerConfiguration.Section), reloadOnChange: true);
            kestrel.ListenUnixSocket(paths.ControlSocket, o => o.Protocols = HttpProtocols.Http1);
            // Endpoint defaults reach the ports the configuration opens, outside their TLS; the forwarder takes only plain app ports.
            kestrel.ConfigureEndpointDefaults(listen =>
            {
                listen.Use(next => // the first added runs first: a connection over the bound is closed before anything reads it
                {
                    var limit = listen.ApplicationServices.GetRequiredService<ClientConnectionLimit>();
                    return connection => limit.ServeAsync(connection, () => next(connection));
                });
                // TLS before the direct path, which then serves HTTPS requests as it serves plain ones. The port's role is known
                // when Kestrel binds it: the plan is swapped before each reload.
                if (listen.IPEndPoint is { Port: var port } && tls.Serves(port))
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions
                    {
                        OnConnection = context => ValueTask.FromResult(tls.OptionsFor(port, context.ClientHelloInfo.ServerName)),
                        HandshakeTimeout = TimeSpan.FromSeconds(10), // Kestrel's default
                    });
                if (options.DirectForwarding)
                    listen.Use(next =>
                    {
                        var forwarder = listen.ApplicationServices.GetRequiredService<DirectForwarder>();
                        return connection => forwarder.ServeAsync(connection, () => next(connection));
                    });
            });
        });

        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ClientConnectionLimit>();
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(new EdgeStartTime(DateTimeOffset.UtcNow));
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton<RouteStore>();
        builder.Services.AddSingleton<MaintenanceGate>();
        builder.Services.AddSingleton<DirectRoutes>();
        builder.Services.AddSingleton<DirectTargets>();
        builder.Services.AddSingleton<DirectForwarder>();
        builder.Services.AddSingleton<TrafficMetrics>();
        builder.Services.AddSingleton<RouteTable>();
        builder.Services.AddSingleton(new HealthProbe(HealthProbe.CreateClient()));
        builder.Services.AddSingleton<HealthGate>();
        builder.Services.AddSingleton<Drainer>();
        builder.Services.AddSingleton<CertificateStore>();
        builder.Services.AddSingleton<ICertificateIssuer, LocalIssuer>();
        builder.Services.AddSingleton(new AcmeChallenges(AsksPeers: options.ControlGate?.Peers is not null));
        builder.Services.AddSingleton<ICertificateIssuer, AcmeIssuer>();
        builder.Services.AddHostedService<CertificateRenewal>();
        builder.Services.AddSingleton<RolloutController>();
        builder.Services.AddSingleton(CanarySplit.CookieKey.LoadOrCreate(paths));
        builder.Services.AddSingleton<CanarySplit>();
        builder.Services.AddSingleton<CanaryBaselines>();
        builder.Services.AddSingleton<ClusterGates>();
        builder.Services.AddSingleton<ChallengePortWindows>();
        builder.Services.AddHostedService<CanaryWatch>();
        builder.Services.AddHostedService<TargetFollower>();
        builder.Services.AddHostedService<RouteExpiry>();
        // Each answer is named by the release of the destination that gave it: right during a cut-over or a canary too.
        builder.Services.AddReverseProxy().LoadFromMemory([], []).AddTransforms(context =>
        {
            context.AddRequestTransform(transform =>
            {
                ClientBoundConnections.Bind(transform.HttpContext, transform.ProxyRequest);
                return ValueTask.CompletedTask;
            });
            context.AddResponseTransform(transform =>
            {
                if (transform.HttpContext.GetReverseProxyFeature().ProxiedDestination?.Model.Config.Metadata?
                        .GetValueOrDefault(ProxyConfigBuilder.VersionMetadata) is { } version)
                    transform.HttpContext.Response.Headers[ProxyConfigBuilder.VersionHeader] = version;
                return ValueTask.CompletedTask;
            });
            context.AddResponseTransform(AmbiguousAnswers.RefuseAsync);
        });
        builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, ClientBoundConnections.Factory>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.WriteIndented = false);

        var app = builder.Build();
        // A metrics port serves /metrics and nothing else: no request on it reaches an app.
        var metrics = app.Services.GetRequiredService<TrafficMetrics>();
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalIpAddress is null || !listeners.MetricsPorts.Contains(context.Connection.LocalPort))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = context.Request.Path == "/metrics" ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            if (context.Response.StatusCode == StatusCodes.Status200OK)
            {
                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.WriteAsync(TrafficMetrics.Prometheus(metrics.Snapshot()), context.RequestAborted);
            }
        });
        // An ACME CA checking a challenge gets its answer on any plain port, before a redirect or an app; a port opened only
        // for that answers nothing else.
        // On a cluster the CA may check any edge node: a challenge this edge is not proving is asked of its peers (the one
        // that gets a route's certificate proves it; the others copy it).
        var challenges = app.Services.GetRequiredService<AcmeChallenges>();
        var cluster = app.Services.GetRequiredService<ClusterGates>();
        app.Use(async (context, next) =>
        {
            if ((!challenges.MayAnswer && listeners.ChallengePorts.Count == 0)
                || context.Connection.LocalIpAddress is null || context.Request.IsHttps)
            {
                await next(context);
                return;
            }
            var port = context.Connection.LocalPort;
            var onlyChallenges = listeners.ChallengePorts.Contains(port) && !listeners.Ports.Contains(port) && !listeners.Redirects.ContainsKey(port);
            var path = context.Request.Path.Value ?? "";
            var isChallenge = path.StartsWith(AcmeChallenges.PathPrefix, StringComparison.Ordinal);
            var token = isChallenge ? path[AcmeChallenges.PathPrefix.Length..] : "";
            var answer = isChallenge ? challenges.Answer(token) ?? await cluster.ChallengeAnswerAsync(token, context.RequestAborted) : null;
            if (answer is null)
            {
                if (!onlyChallenges) await next(context);
                else context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            context.Response.ContentType = "application/octet-stream";
            await context.Response.WriteAsync(answer, context.RequestAborted);
        });
        // A plain port in front of an HTTPS one answers every request with a permanent redirect to it, nothing else.
        app.Use((context, next) =>
        {
            if (context.Connection.LocalIpAddress is null || !listeners.Redirects.TryGetValue(context.Connection.LocalPort, out var https)) return next(context);
            var host = context.Request.Host.Host is { Length: > 0 } name ? name : "localhost";
            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = $"https://{host}:{https}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}";
            return Task.CompletedTask;
        });
        // Route by the port the request arrived on, never by the port a client wrote in its Host header (that
        // would let one app's port reach every app), and accept a Host without a port, as a proxy in front sends.
        app.Use((context, next) =>
        {
            // Most clients already send the port they connected to: only the others pay for a new Host value.
            if (context.Connection.LocalIpAddress is not null && context.Request.Host.Port != context.Connection.LocalPort)
                context.Request.Host = new HostString(context.Request.Host.Host is { Length: > 0 } name ? name : "_", context.Connection.LocalPort);
            return next(context);
        });
        var maintenance = app.Services.GetRequiredService<MaintenanceGate>();
        app.Use((context, next) => maintenance.TryAnswer(context) ?? next(context));
        app.UseRouting();
        ControlApi.Map(app);
        // Only what the edge uses: round-robin over the healthy destinations (no session affinity, no passive health
        // checks), narrowed to one release's on a route with a canary, each request counted for its app and version once answered.
        var canaries = app.Services.GetRequiredService<CanarySplit>();
        app.MapReverseProxy(pipeline =>
        {
            pipeline.Use(async (context, next) =>
            {
                var started = Stopwatch.GetTimestamp();
                await next();
                var proxy = context.GetReverseProxyFeature();
                var version = proxy.ProxiedDestination?.Model.Config.Metadata?.GetValueOrDefault(ProxyConfigBuilder.VersionMetadata) ?? "none";
                metrics.Record(proxy.Route.Config.RouteId, version, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            });
            pipeline.Use((context, next) =>
            {
                canaries.Choose(context, context.GetReverseProxyFeature());
                return next();
            });
            pipeline.UseLoadBalancing();
        });

        await app.Services.GetRequiredService<RouteTable>().RestoreAsync(ct);
        await app.StartAsync(ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(paths.ControlSocket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        app.Logger.LogInformation("edge {Pid} ready: control {Socket}, ports {Ports}", Environment.ProcessId,
            paths.ControlSocket, string.Join(",", listeners.Ports));
        Task gate = Task.CompletedTask;
        if (options.ControlGate is { } gated)
        {
            var controlGate = new ControlGate(new IPEndPoint(IPAddress.Any, gated.Port), gated.Token, paths.ControlSocket,
                time ?? TimeProvider.System, app.Logger);
            controlGate.Start();
            gate = controlGate.RunAsync(app.Lifetime.ApplicationStopping);
            app.Logger.LogInformation("edge control gate on port {Port}", controlGate.Port);
        }
        await app.WaitForShutdownAsync(ct);
        await gate;
        await File.WriteAllTextAsync(paths.StoppedMarker, "", CancellationToken.None); // a clean stop: the supervisor leaves it down
        return 0;
    }
}
