using Slipway.Edge;

namespace Slipway.Tests.Edge;

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

    [Theory]
    [InlineData("abc1234.c", true)]
    [InlineData("abc1234.s", false)]
    [InlineData("old9999.c", null)] // set during another canary: the client is split again
    [InlineData("abc1234.x", null)]
    [InlineData("abc1234", null)]
    [InlineData("", null)]
    public void A_cookie_keeps_its_client_on_its_side_of_this_canary_only(string value, bool? side)
    {
        Assert.Equal(side, CanarySplit.Side(value, "abc1234"));
    }
}
