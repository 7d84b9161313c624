using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

[Trait("Tier", "unit")]
public sealed class CanarySplitTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(99)]
    public void Every_hundred_new_clients_send_exactly_the_share_to_the_canary(int percent)
    {
        var counter = new CanarySplit.Counter();

        var firstHundred = Enumerable.Range(0, 100).Count(_ => counter.Next(percent));
        var secondHundred = Enumerable.Range(0, 100).Count(_ => counter.Next(percent));

        Assert.Equal(percent, firstHundred);
        Assert.Equal(percent, secondHundred);
    }

    private static readonly CanarySplit Split = new(new CanarySplit.CookieKey(Enumerable.Repeat((byte)7, 32).ToArray()));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_cookie_the_edge_issued_keeps_its_client_on_its_side_of_this_canary(bool toCanary)
    {
        Assert.Equal(toCanary, Split.Side("shop", Split.Issue("shop", "abc1234", toCanary), "abc1234"));
    }

    [Fact]
    public void A_cookie_set_during_another_canary_for_another_app_or_by_another_edge_splits_its_client_again()
    {
        var other = new CanarySplit(new CanarySplit.CookieKey(Enumerable.Repeat((byte)8, 32).ToArray()));

        Assert.Null(Split.Side("shop", Split.Issue("shop", "old9999", true), "abc1234"));
        Assert.Null(Split.Side("shop", Split.Issue("blog", "abc1234", true), "abc1234"));
        Assert.Null(Split.Side("shop", other.Issue("shop", "abc1234", true), "abc1234"));
    }

    [Theory]
    [InlineData("abc1234.c")] // the form before cookies were signed, or one a client wrote itself
    [InlineData("abc1234.s")]
    [InlineData("abc1234.c.00000000000000000000000000000000")]
    [InlineData("abc1234.x")]
    [InlineData("abc1234")]
    [InlineData("")]
    public void A_cookie_the_edge_did_not_issue_is_ignored(string value)
    {
        Assert.Null(Split.Side("shop", value, "abc1234"));
    }

    [Fact]
    public void A_signed_cookie_whose_side_was_changed_is_ignored()
    {
        var issued = Split.Issue("shop", "abc1234", false);

        Assert.Null(Split.Side("shop", "abc1234.c" + issued["abc1234.s".Length..], "abc1234"));
    }
}
