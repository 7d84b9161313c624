using Slipway.Configuration;
using Slipway.Pipeline;
using Slipway.Platforms;

namespace Slipway.Tests.Pipeline;

/// <summary>What a new preview removes first: the expired (on aws nothing else removes them), then past max the oldest, or a refusal.</summary>
[Trait("Tier", "unit")]
public sealed class PreviewRoomTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static PreviewStatus Preview(string name, double expiresInHours) =>
        new(name, $"shop-{name}", "abc1234", null, Now.AddDays(-1), Now.AddHours(expiresInHours));

    private static PreviewsSpec Spec(int max, bool evict) => new("staging", null, TimeSpan.FromHours(72), max, evict, []);

    [Fact]
    public void Expired_previews_are_removed_and_no_longer_count_towards_max()
    {
        var room = PreviewRoom.Plan("shop@staging", [Preview("pr-1", -1), Preview("pr-2", 5)], Spec(max: 2, evict: false), Now);

        Assert.Equal(["pr-1"], room.Expired.Select(p => p.Name));
        Assert.Empty(room.Evicted);
        Assert.Null(room.Refusal);
    }

    [Fact]
    public void Past_max_the_oldest_is_evicted_or_the_new_preview_refused_as_the_manifest_says()
    {
        IReadOnlyList<PreviewStatus> full = [Preview("pr-1", 5), Preview("pr-2", 6)];

        Assert.Equal(["pr-1"], PreviewRoom.Plan("shop@staging", full, Spec(max: 2, evict: true), Now).Evicted.Select(p => p.Name));
        var refused = PreviewRoom.Plan("shop@staging", full, Spec(max: 2, evict: false), Now).Refusal;
        Assert.Equal("previews.max: 2 previews of shop@staging exist (pr-1, pr-2), the most it allows", refused!.Message);
        Assert.Equal(["pr-1", "pr-2"], PreviewRoom.Plan("shop@staging", full, Spec(max: 1, evict: true), Now).Evicted.Select(p => p.Name));
    }
}
