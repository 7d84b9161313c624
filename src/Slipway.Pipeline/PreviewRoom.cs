using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Platforms;

namespace Slipway.Pipeline;

/// <summary>What a new preview needs removed first: the previews whose time is up, then the oldest past <c>max</c>, or a refusal.</summary>
public sealed record PreviewRoom(IReadOnlyList<PreviewStatus> Expired, IReadOnlyList<PreviewStatus> Evicted, SlipwayException? Refusal)
{
    /// <param name="of">The base, as <c>app@environment</c>.</param>
    /// <param name="others">The base's other previews, oldest first.</param>
    public static PreviewRoom Plan(string of, IReadOnlyList<PreviewStatus> others, PreviewsSpec spec, DateTimeOffset now)
    {
        var expired = others.Where(p => p.ExpiresAt is { } at && at <= now).ToList();
        var left = others.Except(expired).ToList();
        if (left.Count < spec.Max) return new PreviewRoom(expired, [], null);
        if (!spec.EvictOldest)
            return new PreviewRoom([], [], new SlipwayException(ErrorCode.InvalidSetting,
                $"previews.max: {left.Count} previews of {of} exist ({string.Join(", ", left.Select(p => p.Name))}), the most it allows",
                $"remove one (slipway destroy --preview {left[0].Name}), or set previews.whenFull: evict to remove the oldest first"));
        return new PreviewRoom(expired, left.Take(left.Count - spec.Max + 1).ToList(), null);
    }
}
