using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Renews the certificates the edge got itself (local CA, ACME) once two thirds of their validity have passed: at start,
/// then every <see cref="Interval"/>. The new certificate is swapped into the route (the listener reloads; connections
/// in progress keep theirs) and the old one removed. A renewal that fails is logged and tried again next time, while the
/// old certificate serves on. A cluster's other edges copy their leader's certificate instead, once it has renewed it.
/// </summary>
internal sealed class CertificateRenewal(RouteTable routes, CertificateStore certificates, TimeProvider time, ILogger<CertificateRenewal> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RenewDueAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Renews every certificate due; returns how many were.</summary>
    public async Task<int> RenewDueAsync(CancellationToken ct)
    {
        var renewed = 0;
        foreach (var route in routes.Routes.Where(r => r.Tls is { Issuer: not null } tls && time.GetUtcNow() >= tls.RenewAt))
        {
            var old = route.Tls!;
            try
            {
                var kept = await certificates.KeepAsync(route.App, await certificates.IssueAsync(route.App, old.Issuer!, ct), ct);
                if (kept.CertificateFile == old.CertificateFile) continue; // a copy of its leader's, which has not renewed it yet
                var (_, next, _) = await routes.ChangeAsync(route.App,
                    current => current?.Tls?.CertificateFile == old.CertificateFile ? current with { Tls = kept } : null, ct);
                if (next?.Tls == kept)
                {
                    if (kept.CertificateFile != old.CertificateFile) certificates.Forget(old);
                    log.LogInformation("renewed the certificate of {App}: valid until {NotAfter:u}", route.App, kept.NotAfter);
                    renewed++;
                }
                else if (kept.CertificateFile != next?.Tls?.CertificateFile) certificates.Forget(kept); // a deploy changed it meanwhile
            }
            catch (Exception e) when (e is CertificateIssuingException or TlsCertificateException or IOException or HttpRequestException)
            {
                log.LogError("renewing the certificate of {App} failed (it serves until {NotAfter:u}; trying again in {Interval}): {Reason}",
                    route.App, old.NotAfter, Interval, e.Message);
            }
        }
        return renewed;
    }
}
