using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>A certificate and key are checked as a pair before anything serves them.</summary>
[Trait("Tier", "unit")]
public sealed class TlsCertificatesTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void A_valid_pair_tells_its_names_and_expiry()
    {
        var (certificate, key) = TestCertificates.Create("shop.test", notAfter: Now.AddDays(10));

        var info = TlsCertificates.Check(certificate, key, Now);

        Assert.Equal(["shop.test"], info.Names);
        Assert.True(info.Covers("SHOP.test"));
        Assert.False(info.Covers("blog.test"));
        Assert.True((info with { Names = ["*.example.com"] }).Covers("shop.example.com"));
        Assert.False((info with { Names = ["*.example.com"] }).Covers("a.shop.example.com"));
        Assert.InRange(info.NotAfter, Now.AddDays(10).AddSeconds(-2), Now.AddDays(10).AddSeconds(2));
    }

    [Fact]
    public void A_key_of_another_certificate_an_expired_one_and_no_pem_at_all_are_refused_with_why()
    {
        var (certificate, _) = TestCertificates.Create("shop.test");
        var (_, otherKey) = TestCertificates.Create("other.test");
        var (expired, expiredKey) = TestCertificates.Create("old.test", Now.AddDays(-30), Now.AddDays(-1));

        Assert.Contains("the key is not the certificate's own", Assert.Throws<TlsCertificateException>(() => TlsCertificates.Check(certificate, otherKey, Now)).Message);
        Assert.StartsWith("the certificate expired on ", Assert.Throws<TlsCertificateException>(() => TlsCertificates.Check(expired, expiredKey, Now)).Message);
        Assert.StartsWith("not a PEM certificate", Assert.Throws<TlsCertificateException>(() => TlsCertificates.Check("hello", "world", Now)).Message);
        Assert.StartsWith("the key is not the certificate's own, or not a PEM private key", Assert.Throws<TlsCertificateException>(() => TlsCertificates.Check(certificate, "world", Now)).Message);
    }
}
