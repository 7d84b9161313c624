using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Slipway.Foundation;

namespace Slipway.Engine;

/// <summary>
/// Which engine a command talks to, chosen as the docker CLI chooses: the environment's own <c>engine:</c> (an address or a
/// context's name) first, then <c>DOCKER_HOST</c>, then <c>DOCKER_CONTEXT</c>, then the context <c>docker context use</c>
/// chose (config.json's currentContext), else this machine's socket.
/// </summary>
public static class EngineSelection
{
    public static EngineEndpoint Resolve(string? configured, Func<string, string?> environment)
    {
        var ssh = environment("SLIPWAY_SSH_COMMAND") is { Length: > 0 } command
            ? command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        EngineEndpoint WithSsh(EngineEndpoint endpoint) =>
            ssh is not null && endpoint.Dialer is SshDialer dialer ? endpoint with { Dialer = dialer with { SshCommand = ssh } } : endpoint;

        if (configured is { Length: > 0 })
            return WithSsh(configured.Contains("://", StringComparison.Ordinal)
                ? EngineEndpoint.Parse(configured, "engine", EngineTls.FromEnvironment(environment))
                : FromContext(configured, "engine", environment));
        if (environment("DOCKER_HOST") is { Length: > 0 } host)
            return WithSsh(EngineEndpoint.Parse(host, "DOCKER_HOST", EngineTls.FromEnvironment(environment)));
        if (environment("DOCKER_CONTEXT") is { Length: > 0 } context)
            return WithSsh(FromContext(context, "DOCKER_CONTEXT", environment));
        if (CurrentContext(environment) is { } current)
            return WithSsh(FromContext(current, "the current Docker context", environment));
        return EngineEndpoint.Default;
    }

    /// <summary>The folder of the docker CLI's configuration: <c>DOCKER_CONFIG</c>, else ~/.docker.</summary>
    public static string ConfigFolder(Func<string, string?> environment) =>
        environment("DOCKER_CONFIG") is { Length: > 0 } given ? given
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    private static string? CurrentContext(Func<string, string?> environment)
    {
        var config = Path.Combine(ConfigFolder(environment), "config.json");
        if (!File.Exists(config)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(config))?["currentContext"]?.GetValue<string>() is { Length: > 0 } name && name != "default" ? name : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or IOException)
        {
            return null; // the docker CLI's own file: a broken one is the docker CLI's to report
        }
    }

    /// <summary>A context stored by <c>docker context create</c>: its docker endpoint, and its TLS files if it has them.</summary>
    public static EngineEndpoint FromContext(string name, string setting, Func<string, string?> environment)
    {
        if (name == "default")
            return environment("DOCKER_HOST") is { Length: > 0 } dockerHost ? EngineEndpoint.Parse(dockerHost, "DOCKER_HOST", EngineTls.FromEnvironment(environment)) : EngineEndpoint.Default;
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var folder = ConfigFolder(environment);
        var meta = Path.Combine(folder, "contexts", "meta", id, "meta.json");
        JsonNode? endpoint;
        try
        {
            endpoint = JsonNode.Parse(File.ReadAllText(meta))?["Endpoints"]?["docker"];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{setting}: there is no Docker context named \"{name}\"",
                "list them with docker context ls, or create it: docker context create NAME --docker host=ssh://user@server");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException)
        {
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{setting}: the Docker context \"{name}\" cannot be read ({meta}: {e.Message})",
                "recreate it with docker context rm and docker context create");
        }
        var host = endpoint?["Host"]?.GetValue<string>();
        if (string.IsNullOrEmpty(host))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{setting}: the Docker context \"{name}\" has no docker endpoint",
                "recreate it with docker context create NAME --docker host=...");
        var tlsFolder = Path.Combine(folder, "contexts", "tls", id, "docker");
        var skipVerify = endpoint?["SkipTLSVerify"]?.GetValue<bool>() ?? false;
        var tls = Directory.Exists(tlsFolder) ? new EngineTls(tlsFolder, !skipVerify) : null;
        return EngineEndpoint.Parse(host, $"{setting} \"{name}\"", tls) with { Display = $"{host} (context {name})" };
    }
}
