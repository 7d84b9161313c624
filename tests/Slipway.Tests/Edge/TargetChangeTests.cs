using System.Net;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

[Trait("Tier", "unit")]
public sealed class TargetChangeTests
{
    private static readonly TargetDiscovery Discovery = new("tasks.shop-v1", 8000, "shop-v1", TimeSpan.FromSeconds(10));

    private static IPAddress[] Addresses(params string[] addresses) => addresses.Select(IPAddress.Parse).ToArray();

    private static readonly EdgeTarget First = new("shop-v1.1", "http://10.0.0.5:8000");
    private static readonly EdgeTarget Second = new("shop-v1.2", "http://10.0.0.6:8000");

    [Fact]
    public void The_same_addresses_change_nothing() =>
        Assert.Null(TargetChange.Of([First, Second], Discovery, Addresses("10.0.0.6", "10.0.0.5")));

    [Fact]
    public void A_new_address_is_added_named_after_it_and_one_no_longer_listed_is_dropped()
    {
        var change = TargetChange.Of([First, Second], Discovery, Addresses("10.0.0.5", "10.0.0.9"));

        Assert.NotNull(change);
        Assert.Equal([new EdgeTarget("shop-v1.ip-10-0-0-9", "http://10.0.0.9:8000")], change.Added);
        Assert.Equal([Second], change.Dropped);
    }

    [Fact]
    public void A_lookup_that_lists_nothing_drops_nothing() => Assert.Null(TargetChange.Of([First, Second], Discovery, []));

    [Fact]
    public void Every_target_gone_and_a_new_address_adds_it_and_drops_them()
    {
        var change = TargetChange.Of([First], Discovery, Addresses("10.0.0.7"));

        Assert.NotNull(change);
        Assert.Equal(["shop-v1.ip-10-0-0-7"], change.Added.Select(t => t.Id));
        Assert.Equal([First], change.Dropped);
    }

    [Fact]
    public void A_repeated_address_is_one_target() =>
        Assert.Single(TargetChange.Of([], Discovery, Addresses("10.0.0.7", "10.0.0.7"))!.Added);
}
