using Slipway.Configuration;

namespace Slipway.Platforms.Swarm;

/// <summary>The manifest's <c>swarm:</c> settings.</summary>
/// <param name="Registry">Where images go and every node pulls from: <c>host[:port][/path]</c>; null when the section is absent.</param>
/// <param name="EngineSocket">
/// Where each node's engine answers, on that node (<c>exec</c> reaches a task on another node through it); the swarm expands
/// <c>{{.Node.ID}}</c> and <c>{{.Node.Hostname}}</c> in it.
/// </param>
public sealed record SwarmSpec(string? Registry = null, string EngineSocket = SwarmSpec.DefaultEngineSocket)
{
    public const string DefaultEngineSocket = "/var/run/docker.sock";

    public SwarmSpec() : this((string?)null) { }
}

/// <summary>Reads and validates the <c>swarm:</c> section.</summary>
public static class SwarmManifestSection
{
    private static readonly System.Text.RegularExpressions.Regex RegistryPattern =
        new(@"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex SocketPattern =
        new(@"^/([A-Za-z0-9._-]|\{\{\.Node\.(ID|Hostname)\}\})+(/([A-Za-z0-9._-]|\{\{\.Node\.(ID|Hostname)\}\})+)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static SwarmSpec Read(MappingReader? section)
    {
        if (section is null) return new SwarmSpec();
        var registry = section.OptionalString("registry");
        if (registry is not null && !RegistryPattern.IsMatch(registry.Value))
            throw ManifestLoader.Invalid(section.File, registry.Line, "swarm.registry", $"\"{registry.Value}\" is not a registry address",
                "give host[:port] as the nodes reach it, e.g. registry.example.com or 10.0.0.2:5000");
        var socket = section.OptionalString("engineSocket");
        if (socket is not null && !SocketPattern.IsMatch(socket.Value))
            throw ManifestLoader.Invalid(section.File, socket.Line, "swarm.engineSocket", $"\"{socket.Value}\" is not an absolute path",
                $"give the path of each node's engine socket on that node, e.g. {SwarmSpec.DefaultEngineSocket} (the default) or /run/user/1000/docker.sock");
        section.RejectUnknownKeys();
        return new SwarmSpec(registry?.Value, socket?.Value ?? SwarmSpec.DefaultEngineSocket);
    }
}

/// <summary>The manifest's <c>swarm:</c> settings of an app.</summary>
public static class SwarmManifest
{
    public static SwarmSpec Swarm(this AppManifest app) => app.SettingsOf<SwarmSpec>(SwarmModule.PlatformName);
}
