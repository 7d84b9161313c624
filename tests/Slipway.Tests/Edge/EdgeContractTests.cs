using System.Text.Json;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

[Trait("Tier", "unit")]
public sealed class EdgeContractTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public void An_edge_started_by_an_older_slipway_names_no_feature_so_the_cli_refuses_what_it_would_ignore()
    {
        var older = JsonSerializer.Deserialize<EdgeInfo>("""{"processId":42,"startedAt":"2026-12-01T10:00:00Z","ports":[8080],"routes":1}""", Json)!;
        var current = JsonSerializer.Deserialize<EdgeInfo>(JsonSerializer.Serialize(new EdgeInfo(42, DateTimeOffset.UnixEpoch, [8080], 1, EdgeFeatures.All), Json), Json)!;

        Assert.False(older.Can(EdgeFeatures.Canary));
        Assert.False(older.Can(EdgeFeatures.IssuedCertificates));
        Assert.True(current.Can(EdgeFeatures.Canary));
        Assert.True(current.Can(EdgeFeatures.IssuedCertificates));
    }

    [Fact]
    public void A_certificate_is_due_for_renewal_once_two_thirds_of_its_validity_have_passed()
    {
        var from = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var tls = new EdgeRouteTls("a.crt", "a.key", from.AddDays(90), null, NotBefore: from);

        Assert.Equal(from.AddDays(60), tls.RenewAt);
        Assert.Equal(from.AddDays(60), (tls with { NotBefore = null }).RenewAt); // a route saved before NotBefore was kept: 30 days before the end
    }
}
