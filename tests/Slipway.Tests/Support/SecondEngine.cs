using System.Diagnostics;
using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>
/// A second, newer Docker engine on this machine, started by the test and removed after it: Debian unstable's dockerd
/// (fetched by <c>WITH_TESTS=1 scripts/install.sh</c> into <see cref="Directory"/>), with its own socket, data root, exec root
/// and bridge, beside Debian 12's engine and its containerd. Started with <c>DOCKER_MIN_API_VERSION=1.44</c>, it refuses every
/// client below API 1.44, exactly as Docker Engine 29 does. No iptables of its own (the first engine owns them): its
/// published ports go through its userland proxy, on loopback.
/// </summary>
public sealed class SecondEngine : IAsyncDisposable
{
    /// <summary>Where the install step unpacks the newer engines, one folder per version.</summary>
    public const string Directory = "/var/cache/slipway/engines";

    private readonly TempDirectory _dir = new("slw-eng");
    private readonly string _bridge = "slw-e" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
    private Process? _daemon;

    private SecondEngine(string version) => Version = version;

    public string Version { get; }
    public string Socket => Path.Combine(_dir.Path, "docker.sock");
    public string DockerHost => $"unix://{Socket}";

    /// <param name="version">The folder under <see cref="Directory"/>, e.g. "docker-unstable".</param>
    /// <param name="minimumApi">The oldest API version the engine accepts (DOCKER_MIN_API_VERSION); null: its own default.</param>
    public static async Task<SecondEngine> StartAsync(string version, string? minimumApi, CancellationToken ct)
    {
        var root = Path.Combine(Directory, version);
        var dockerd = Path.Combine(root, "usr", "sbin", "dockerd");
        Assert.True(File.Exists(dockerd), $"{dockerd} is missing: run WITH_TESTS=1 scripts/install.sh as root");
        var engine = new SecondEngine(version);
        try
        {
            await engine.StartDaemonAsync(root, dockerd, minimumApi, ct);
            await Shell.RunAsync($"docker save {TestEngine.BaseImage} | docker -H {engine.DockerHost} load -q", ct);
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    private async Task StartDaemonAsync(string root, string dockerd, string? minimumApi, CancellationToken ct)
    {
        // Its own bridge on an address range neither engine's pools use.
        var third = Random.Shared.Next(1, 250);
        await Shell.RunAsync($"ip link add {_bridge} type bridge && ip addr add 10.212.{third}.1/24 dev {_bridge} && ip link set {_bridge} up", ct);
        File.WriteAllText(Path.Combine(_dir.Path, "daemon.json"), "{}");
        var start = new ProcessStartInfo(dockerd);
        foreach (var arg in new[]
                 {
                     "--config-file", Path.Combine(_dir.Path, "daemon.json"), "--data-root", Path.Combine(_dir.Path, "data"),
                     "--exec-root", Path.Combine(_dir.Path, "exec"), "--pidfile", Path.Combine(_dir.Path, "docker.pid"), "-H", DockerHost,
                     "--bridge", _bridge, "--iptables=false", "--ip6tables=false", "--default-address-pool", $"base=10.213.{third}.0/24,size=28",
                     "--userland-proxy-path", Path.Combine(root, "usr", "sbin", "docker-proxy"),
                 })
            start.ArgumentList.Add(arg);
        start.Environment["PATH"] = $"{Path.Combine(root, "usr", "sbin")}:{Path.Combine(root, "usr", "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        if (minimumApi is not null) start.Environment["DOCKER_MIN_API_VERSION"] = minimumApi;
        var log = Path.Combine(_dir.Path, "dockerd.log");
        _daemon = TestDaemon.Start(start, log, ct);
        await TestDaemon.WaitUntilAnswersAsync(_daemon, log, DockerHost, $"dockerd {Version}", ct);
    }

    public async ValueTask DisposeAsync()
    {
        await TestDaemon.StopAsync(_daemon); // it stops its containers itself
        await Shell.RunAsync($"ip link del {_bridge} 2>/dev/null; grep -o '{_dir.Path}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; true", CancellationToken.None);
        _dir.Dispose();
    }
}

/// <summary>A shell command the test needs (ip, docker save | load), which must succeed.</summary>
public static class Shell
{
    public static async Task RunAsync(string command, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"{command}: {await error}");
    }

    /// <summary>A command whose exit code and output the test reads (it may fail).</summary>
    public static async Task<(int ExitCode, string Output)> OutputAsync(string command, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(ct);
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        await error;
        return (process.ExitCode, output);
    }
}
