using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// YARP's path keeps the direct path's rule: a backend connection serves one client connection only. A backend that answers
/// more than it was asked (a body it ignored that held a second request, a late body after a HEAD answer) can then only ever
/// answer the client that sent the request, never the next user, whatever the timing; a shared pool can only hope to notice
/// the extra bytes before it lends the connection again. Each client connection gets its own <see cref="SocketsHttpHandler"/>
/// (YARP's settings), made on its first proxied request and disposed with the connection; the clusters' client dispatches to it.
/// </summary>
internal static class ClientBoundConnections
{
    private static readonly HttpRequestOptionsKey<HttpMessageInvoker> Key = new("slipway.client-connection");
    private static readonly object ItemKey = new();

    /// <summary>Names the client connection's own handler on the request YARP is about to send.</summary>
    public static void Bind(HttpContext context, HttpRequestMessage proxyRequest) => proxyRequest.Options.Set(Key, For(context));

    private static HttpMessageInvoker For(HttpContext context)
    {
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items
            ?? throw new InvalidOperationException("the server gives no per-connection items");
        lock (items) // an HTTP/2 connection's streams may ask at once
        {
            if (items.TryGetValue(ItemKey, out var held) && held is HttpMessageInvoker invoker) return invoker;
            invoker = new HttpMessageInvoker(CreateHandler(), disposeHandler: true);
            items[ItemKey] = invoker;
            if (context.Features.Get<IConnectionCompleteFeature>() is { } complete)
                complete.OnCompleted(state => { ((HttpMessageInvoker)state).Dispose(); return Task.CompletedTask; }, invoker);
            else
                context.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed.Register(state => ((HttpMessageInvoker)state!).Dispose(), invoker);
            return invoker;
        }
    }

    /// <summary>The handler YARP's own factory makes (no proxy, redirects, decompression, cookies or trace headers).</summary>
    private static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>The clusters' client: it sends each request through the handler of the client connection it came on.</summary>
    internal sealed class Factory : IForwarderHttpClientFactory
    {
        public HttpMessageInvoker CreateClient(ForwarderHttpClientContext context) =>
            context.OldClient ?? new HttpMessageInvoker(new Dispatcher(), disposeHandler: true);
    }

    /// <summary>YARP's active health checks use the clusters' client too: they, and only they, share one handler.</summary>
    private sealed class Dispatcher : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _healthChecks = new(CreateHandler(), disposeHandler: true);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            (request.Options.TryGetValue(Key, out var invoker) ? invoker : _healthChecks).SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _healthChecks.Dispose();
            base.Dispose(disposing);
        }
    }
}
