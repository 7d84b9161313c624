using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Answers the requests of apps in maintenance with 503, Retry-After and their page, before they reach the
/// proxy. The plain path pays one read of an empty table: the lookup is rebuilt only when routes change.
/// </summary>
internal sealed class MaintenanceGate
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);
    private volatile FrozenDictionary<(int Port, string Host), MaintenanceMode> _modes = FrozenDictionary<(int, string), MaintenanceMode>.Empty;

    public void Update(IEnumerable<EdgeRoute> routes) =>
        _modes = routes.Where(r => r.Maintenance is not null)
            .ToFrozenDictionary(r => (r.Port, (r.Host ?? "*").ToLowerInvariant()), r => r.Maintenance!);

    /// <summary>The answer for a request to an app in maintenance; null to let it through.</summary>
    public Task? TryAnswer(HttpContext context)
    {
        var modes = _modes;
        if (modes.Count == 0) return null;
        var port = context.Connection.LocalPort;
        if (!modes.TryGetValue((port, context.Request.Host.Host.ToLowerInvariant()), out var mode) && !modes.TryGetValue((port, "*"), out mode))
            return null;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = mode.IsHtml ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
        return response.WriteAsync(mode.Body);
    }
}
