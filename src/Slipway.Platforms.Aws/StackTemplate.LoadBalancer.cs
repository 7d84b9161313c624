using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>The public side: the load balancer's listeners (HTTP, or HTTPS with HTTP redirected), its ports, the DNS alias and the URL users reach.</summary>
public static partial class StackTemplate
{
    private static int[] PublicPorts(AppManifest app) => app.Aws().CertificateArn is null ? [app.Aws().ListenerPort] : [80, 443];

    private static IEnumerable<(string, JsonObject)> Listeners(AppManifest app)
    {
        var forward = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = Ref("TargetGroup") });
        if (app.Aws().CertificateArn is null)
        {
            yield return ("HttpListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
            {
                ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = app.Aws().ListenerPort, ["Protocol"] = "HTTP", ["DefaultActions"] = forward,
            }));
            yield break;
        }
        yield return ("HttpsListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
        {
            ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = 443, ["Protocol"] = "HTTPS",
            ["SslPolicy"] = TlsPolicy,
            ["Certificates"] = new JsonArray(new JsonObject { ["CertificateArn"] = app.Aws().CertificateArn }),
            ["DefaultActions"] = forward,
        }));
        yield return ("HttpListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
        {
            ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = 80, ["Protocol"] = "HTTP",
            ["DefaultActions"] = new JsonArray(new JsonObject
            {
                ["Type"] = "redirect",
                ["RedirectConfig"] = new JsonObject { ["Protocol"] = "HTTPS", ["Port"] = "443", ["StatusCode"] = "HTTP_301" },
            }),
        }));
    }

    /// <summary>A modern policy: TLS 1.3 and 1.2 only.</summary>
    public const string TlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    private static IEnumerable<(string, JsonObject)> Dns(AppManifest app)
    {
        if (app.Aws().Dns is not { } dns) yield break;
        yield return ("DnsRecord", Resource("AWS::Route53::RecordSet", new JsonObject
        {
            ["HostedZoneId"] = dns.HostedZoneId, ["Name"] = dns.Name, ["Type"] = "A",
            ["AliasTarget"] = new JsonObject
            {
                ["DNSName"] = GetAtt("LoadBalancer", "DNSName"), ["HostedZoneId"] = GetAtt("LoadBalancer", "CanonicalHostedZoneID"),
                ["EvaluateTargetHealth"] = true,
            },
        }));
    }

    /// <summary>The URL users reach: the DNS name when one is set, HTTPS when a certificate is.</summary>
    public static string PublicUrlTemplate(AppManifest app)
    {
        var host = app.Aws().Dns?.Name ?? "${LoadBalancer.DNSName}";
        return app.Aws().CertificateArn is not null ? $"https://{host}/"
            : app.Aws().ListenerPort == 80 ? $"http://{host}/" : $"http://{host}:{app.Aws().ListenerPort}/";
    }
}
