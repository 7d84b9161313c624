using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;
/// <summary>A container's output and commands run inside it: log tails, log streams and exec.</summary>
public sealed partial class DockerEngine
{
    /// <summary>The last lines of a container's stdout and stderr, demultiplexed.</summary>
    public async Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/logs?stdout=1&stderr=1&tail={lines}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        await EnsureSuccessAsync(response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        return LogStream.Demultiplex(bytes).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).TakeLast(lines).ToList();
    }

    /// <summary>
    /// Streams a container's stdout and stderr with the engine's timestamps, line by line; with
    /// <paramref name="follow"/> it keeps streaming until the container stops or <paramref name="ct"/> fires.
    /// </summary>
    public async Task StreamLogsAsync(string id, DateTimeOffset? since, int? tail, bool follow,
        Action<DateTimeOffset, string> onLine, CancellationToken ct)
    {
        var query = $"stdout=1&stderr=1&timestamps=1&follow={(follow ? 1 : 0)}&tail={(tail?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all")}"
                    + (since is { } s ? $"&since={s.ToUnixTimeSeconds()}" : "");
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/logs?{query}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await ReadMultiplexedLinesAsync(stream, line =>
        {
            var space = line.IndexOf(' ');
            if (space > 0 && DateTimeOffset.TryParse(line[..space], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                onLine(at, line[(space + 1)..]);
            else
                onLine(DateTimeOffset.MinValue, line);
        }, ct);
    }

    /// <summary>
    /// Runs a command inside a running container (the engine's exec), streaming its stdout and stderr line by line;
    /// returns its exit code.
    /// </summary>
    public async Task<int> ExecAsync(string containerId, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var create = new JsonObject
        {
            ["AttachStdout"] = true, ["AttachStderr"] = true,
            ["Cmd"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        };
        using var created = await _http.PostAsync($"{ApiPrefix}/containers/{containerId}/exec",
            new StringContent(create.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(created, ct);
        var execId = Str(JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!, "Id");
        using (var start = new HttpRequestMessage(HttpMethod.Post, $"{ApiPrefix}/exec/{execId}/start")
               {
                   Content = new StringContent("""{"Detach":false,"Tty":false}""", Encoding.UTF8, "application/json"),
               })
        using (var response = await _http.SendAsync(start, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            await EnsureSuccessAsync(response, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            await ReadMultiplexedLinesAsync(stream, onLine, ct);
        }
        var inspected = await GetJsonAsync($"{ApiPrefix}/exec/{execId}/json", ct);
        return inspected["ExitCode"]?.GetValue<int>() ?? -1;
    }

    /// <summary>Reads a multiplexed stdout/stderr stream (8-byte frame headers) as lines; a last line without a newline counts.</summary>
    public static async Task ReadMultiplexedLinesAsync(Stream stream, Action<string> onLine, CancellationToken ct)
    {
        var header = new byte[8];
        var pending = new StringBuilder();
        while (await ReadExactlyOrEndAsync(stream, header, ct))
        {
            var size = (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
            var payload = new byte[size];
            if (!await ReadExactlyOrEndAsync(stream, payload, ct)) break;
            pending.Append(Encoding.UTF8.GetString(payload));
            var text = pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) continue;
            foreach (var line in text[..end].Split('\n')) onLine(line.TrimEnd('\r'));
            pending.Clear().Append(text[(end + 1)..]);
        }
        if (pending.Length > 0) onLine(pending.ToString().TrimEnd('\r'));
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
