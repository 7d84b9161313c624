using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>
/// moto_server (a local AWS endpoint, preinstalled under pyenv) on a free loopback port, and Debian's
/// docker-registry beside it, since moto serves no image registry. Started once for a test class.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    private Process? _moto;
    private Process? _registry;
    private readonly TempDirectory _dir = new("slipway-moto");

    public int Port { get; } = FreePort.Next();
    public int RegistryPort { get; } = FreePort.Next();
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public string Registry => $"127.0.0.1:{RegistryPort}";

    /// <summary>What a CLI run needs to talk to moto and push to the registry.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["AWS_ENDPOINT_URL"] = Endpoint,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["SLIPWAY_REGISTRY"] = Registry,
    };

    public async ValueTask InitializeAsync()
    {
        var moto = new ProcessStartInfo(Find("moto_server"), ["-H", "127.0.0.1", "-p", Port.ToString()])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // moto keeps ECS deployments IN_PROGRESS with no running task unless told how many run.
        moto.Environment["MOTO_ECS_SERVICE_RUNNING"] = "2";
        _moto = Process.Start(moto)!;
        _moto.BeginOutputReadLine();
        _moto.BeginErrorReadLine();

        var config = _dir.Write("registry.yml", $$"""
            version: 0.1
            log: { level: warn }
            storage: { filesystem: { rootdirectory: {{_dir.Path}}/data }, delete: { enabled: true } }
            http: { addr: 127.0.0.1:{{RegistryPort}} }
            """);
        _registry = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        _registry.BeginOutputReadLine();
        _registry.BeginErrorReadLine();

        await Eventually.WaitUntilAsync(async () => (await Http.Client.GetAsync($"{Endpoint}/moto-api/")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "moto_server answers");
        await Eventually.WaitUntilAsync(async () => (await Http.Client.GetAsync($"http://{Registry}/v2/")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "docker-registry answers");
    }

    /// <summary>Runs the aws CLI against moto; returns its output.</summary>
    public async Task<string> AwsCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Find("aws"), args) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in Environment) start.Environment[key] = value;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"aws {string.Join(' ', args)}: {error}");
        return await output;
    }

    public async Task ResetAsync() => (await Http.Client.PostAsync($"{Endpoint}/moto-api/reset", null)).EnsureSuccessStatusCode();

    public static string Find(string program)
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                     .Append(Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".pyenv", "shims")))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{program} is not installed (it comes with the machine's pyenv Python)");
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _moto, _registry })
        {
            if (process is null) continue;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.Dispose();
        }
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
