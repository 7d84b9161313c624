using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>
/// podman's Docker-compatible service (Debian 12's podman 4.3, installed by <c>WITH_TESTS=1 scripts/install.sh</c>), started by
/// the test on a socket of its own, with its own configuration and storage in a temp folder: runc (crun fails on this
/// machine's cgroups), cgroupfs, overlay storage. The machine's podman state is not touched; everything goes with the folder.
/// </summary>
public sealed class PodmanService : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("slw-podman");
    private Process? _service;

    public string Socket => Path.Combine(_dir.Path, "podman.sock");
    public string DockerHost => $"unix://{Socket}";

    /// <summary>The environment every podman command of this service runs with: its configuration and storage.</summary>
    private string Env => $"CONTAINERS_CONF={_dir.Path}/containers.conf CONTAINERS_STORAGE_CONF={_dir.Path}/storage.conf";

    public static async Task<PodmanService> StartAsync(CancellationToken ct)
    {
        Assert.True(File.Exists("/usr/bin/podman"), "podman is missing: run WITH_TESTS=1 scripts/install.sh as root");
        var service = new PodmanService();
        try
        {
            await service.StartServiceAsync(ct);
            await Shell.RunAsync($"docker save {TestEngine.BaseImage} | env {service.Env} podman load -q", ct);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    private async Task StartServiceAsync(CancellationToken ct)
    {
        // Its containers' open-file limit within this process's hard limit (podman may not raise it), as the install script does.
        var files = Math.Min(65536, OpenFilesHardLimit());
        File.WriteAllText(Path.Combine(_dir.Path, "containers.conf"), $$"""
            [containers]
            default_ulimits = ["nofile={{files}}:{{files}}", "nproc=4096:4096"]
            log_driver = "k8s-file"

            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            """);
        File.WriteAllText(Path.Combine(_dir.Path, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{_dir.Path}/storage"
            runroot = "{_dir.Path}/run"
            """);
        var start = new ProcessStartInfo("podman");
        foreach (var arg in new[] { "system", "service", "--time=0", DockerHost }) start.ArgumentList.Add(arg);
        start.Environment["CONTAINERS_CONF"] = Path.Combine(_dir.Path, "containers.conf");
        start.Environment["CONTAINERS_STORAGE_CONF"] = Path.Combine(_dir.Path, "storage.conf");
        var log = Path.Combine(_dir.Path, "podman.log");
        _service = TestDaemon.Start(start, log, ct);
        await TestDaemon.WaitUntilAnswersAsync(_service, log, DockerHost, "podman", ct);
    }

    private static int OpenFilesHardLimit()
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var hard = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return hard == "unlimited" ? int.MaxValue : int.Parse(hard, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        // Its containers first (they hold the storage), then the service.
        await Shell.RunAsync($"env {Env} podman rm -af -t 0 >/dev/null 2>&1; true", CancellationToken.None);
        await TestDaemon.StopAsync(_service); // it stops its containers itself
        // An exec session's conmon waits minutes to report its exit: nothing of this service may outlive it.
        // The pattern's first character in brackets: it matches the folder, but not this shell's own command line, which holds it.
        await Shell.RunAsync($"pkill -KILL -f '[{_dir.Path[0]}]{_dir.Path[1..]}/'; grep -o '{_dir.Path}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; true",
            CancellationToken.None);
        _dir.Dispose();
    }
}
