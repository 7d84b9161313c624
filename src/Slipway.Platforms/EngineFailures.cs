using Slipway.Foundation;
using Slipway.Engine;

namespace Slipway.Platforms;

/// <summary>What the container engine's client throws, as the one-line error and hint a user gets: every platform builds with it.</summary>
public static class EngineFailures
{
    public static SlipwayException? ToUserError(Exception e) => e switch
    {
        EngineTimeoutException timeout => new SlipwayException(ErrorCode.EngineUnreachable, timeout.Message,
            "check the engine (docker info, or its log); once it answers, run the command again: it converges"),
        EngineApiException { IsDiskFull: true } full =>
            new SlipwayException(ErrorCode.EngineUnreachable, $"the engine's disk is full: {full.Message.Split('\n')[0]}",
                "free some space (docker system prune), then run the command again"),
        EngineApiException api => new SlipwayException(ErrorCode.EngineUnreachable,
            $"the container engine refused a request: {api.Message.Split('\n')[0]}", "check the engine (docker info), then run the command again"),
        _ => null,
    };
}
