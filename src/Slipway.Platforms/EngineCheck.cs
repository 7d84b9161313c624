using Slipway.Engine;
using Slipway.Foundation;

namespace Slipway.Platforms;

/// <summary><c>doctor</c>'s check of the container engine every platform builds images with (the environment's engine:, else DOCKER_HOST or the Docker context), and of the base image.</summary>
public static class EngineCheck
{
    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(string baseImage, string? configured, Func<string, string?> environment, CancellationToken ct)
    {
        EngineEndpoint endpoint;
        try
        {
            endpoint = EngineSelection.Resolve(configured, environment);
        }
        catch (SlipwayException e)
        {
            return [new("engine", CheckStatus.Failed, e.Message, e.Hint)];
        }
        using var engine = new DockerEngine(endpoint);
        try
        {
            var version = await engine.EnsureReachableAsync(ct);
            var image = await engine.ImageExistsAsync(baseImage, ct);
            return
            [
                new("engine", CheckStatus.Ok, $"{endpoint.Display}: engine {version.Version} (API {version.ApiVersion}), API {version.ApiInUse} in use"),
                image ? new("base image", CheckStatus.Ok, $"{baseImage} present")
                      : new("base image", CheckStatus.Warning, $"{baseImage} is missing (the example app builds FROM it)", "run scripts/install.sh as root"),
            ];
        }
        catch (SlipwayException e)
        {
            return [new("engine", CheckStatus.Failed, e.Message, e.Hint)];
        }
        catch (Exception e) when (e is EngineApiException or EngineTimeoutException or HttpRequestException or System.Net.Sockets.SocketException or IOException)
        {
            // doctor reports, it never throws: whatever the engine answered is one line.
            return [new("engine", CheckStatus.Failed, $"{endpoint.Display}: {e.Message.Split('\n')[0]}", "check the engine (docker info, or its log)")];
        }
    }
}
