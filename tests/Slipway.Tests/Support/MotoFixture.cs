using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>
/// moto_server (a local AWS endpoint, preinstalled under pyenv) on a free loopback port, started once for a test class,
/// and the run's docker-registry (<see cref="SharedRegistry"/>), since moto serves no image registry.
/// </summary>
public sealed class MotoFixture(SharedRegistry registry) : IAsyncLifetime
{
    private Process? _moto;
    private readonly TempDirectory _dir = new("slipway-moto");

    public int Port { get; } = FreePort.Next();
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public string Registry => registry.Address;

    /// <summary>What a CLI run needs to talk to moto and push to the registry.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["AWS_ENDPOINT_URL"] = Endpoint,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["SLIPWAY_AWS_EMULATOR"] = "moto",
        ["SLIPWAY_REGISTRY"] = Registry,
    };

    /// <summary>The last lines moto logged (a traceback says why it answered 500), for a failing test's message.</summary>
    public string LogTail(int lines = 40)
    {
        var path = Path.Combine(_dir.Path, "moto.log");
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    public async ValueTask InitializeAsync()
    {
        var moto = new ProcessStartInfo(Find("moto_server"), ["-H", "127.0.0.1", "-p", Port.ToString()])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // moto keeps ECS deployments IN_PROGRESS with no running task unless told how many run.
        moto.Environment["MOTO_ECS_SERVICE_RUNNING"] = "2";
        // Every request it receives can be recorded (RecordAsync): what was sent, not what moto made of it.
        moto.Environment["MOTO_ENABLE_RECORDING"] = "1";
        moto.Environment["MOTO_RECORDER_FILEPATH"] = Path.Combine(_dir.Path, "recording.jsonl");
        _moto = Process.Start(moto)!;
        // moto's own log (its tracebacks say why it answered 500), kept beside the recording while the fixture lives.
        var log = TextWriter.Synchronized(new StreamWriter(Path.Combine(_dir.Path, "moto.log")) { AutoFlush = true });
        _moto.OutputDataReceived += (_, line) => log.WriteLine(line.Data);
        _moto.ErrorDataReceived += (_, line) => log.WriteLine(line.Data);
        _moto.BeginOutputReadLine();
        _moto.BeginErrorReadLine();

        await Eventually.WaitUntilAsync(async () => (await Http.Client.GetAsync($"{Endpoint}/moto-api/")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "moto_server answers");
        await registry.GetAsync();
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

    /// <summary>The AWS requests sent while <paramref name="action"/> ran, in order, as they came off the wire.</summary>
    public async Task<IReadOnlyList<RecordedCall>> RecordAsync(Func<Task> action)
    {
        (await Http.Client.PostAsync($"{Endpoint}/moto-api/recorder/reset-recording", null)).EnsureSuccessStatusCode();
        (await Http.Client.PostAsync($"{Endpoint}/moto-api/recorder/start-recording", null)).EnsureSuccessStatusCode();
        try
        {
            await action();
        }
        finally
        {
            (await Http.Client.PostAsync($"{Endpoint}/moto-api/recorder/stop-recording", null)).EnsureSuccessStatusCode();
        }
        var recording = await Http.Client.GetStringAsync($"{Endpoint}/moto-api/recorder/download-recording");
        return recording.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(RecordedCall.Parse).ToList();
    }

    /// <summary>
    /// Keeps ECS tasks RUNNING until a test stops them. By default moto moves a task one state on at each DescribeTasks
    /// (RUNNING … STOPPED, exit code 0), so a task would end after a few polls whatever the test meant to check first.
    /// </summary>
    public async Task HoldTasksRunningAsync()
    {
        using var body = new StringContent("""{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000}}""",
            System.Text.Encoding.UTF8, "application/json");
        (await Http.Client.PostAsync($"{Endpoint}/moto-api/state-manager/set-transition", body)).EnsureSuccessStatusCode();
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
        if (_moto is not null)
        {
            try { _moto.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _moto.Dispose();
        }
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One recorded request: its operation, and for the query protocol its form (JSON calls keep their body).</summary>
/// <param name="AccessKey">The access key the request was signed with (from its SigV4 Authorization header).</param>
public sealed record RecordedCall(string Action, IReadOnlyDictionary<string, string> Form, string Body, string? Service = null, string? AccessKey = null)
{
    public static RecordedCall Parse(string line)
    {
        var entry = System.Text.Json.Nodes.JsonNode.Parse(line)!;
        var body = entry["body"]?.GetValue<string>() ?? "";
        if (entry["body_encoded"]?.GetValue<bool>() == true) body = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body));
        var headers = entry["headers"]!.AsObject().ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value?.ToString() ?? "");
        var accessKey = headers.TryGetValue("authorization", out var authorization)
            && System.Text.RegularExpressions.Regex.Match(authorization, "Credential=([^/]+)/") is { Success: true } credential
            ? credential.Groups[1].Value : null;
        if (headers.TryGetValue("x-amz-target", out var target))
            return new RecordedCall(target.Split('.').Last(), new Dictionary<string, string>(), body, target.Split('.')[0], accessKey);
        var form = body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        return new RecordedCall(form.GetValueOrDefault("Action") ?? $"{entry["method"]} {entry["url"]}", form, body, AccessKey: accessKey);
    }

    /// <summary>A call on the DynamoDB table of deploy locks and release history, not on the app's infrastructure.</summary>
    public bool IsSharedState => Service == "DynamoDB_20120810";

    /// <summary>Reads change nothing: Describe*, Get*, List*.</summary>
    public bool IsRead => Action.StartsWith("Describe", StringComparison.Ordinal) || Action.StartsWith("Get", StringComparison.Ordinal)
                          || Action.StartsWith("List", StringComparison.Ordinal);
}
