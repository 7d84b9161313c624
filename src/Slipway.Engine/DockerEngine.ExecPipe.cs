using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>What a piped exec ended with: its exit code and the end of what it wrote to stderr.</summary>
public sealed record ExecOutcome(int ExitCode, string StderrTail)
{
    /// <summary>The last line it wrote to stderr that is not blank (what a failing command says of itself); null: none.</summary>
    public string? LastStderrLine => StderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}

/// <summary>A command in a running container with a stream as its stdin and another as its stdout (a dump out, a restore in).</summary>
public sealed partial class DockerEngine
{
    private const int StderrKept = 4096;

    /// <summary>
    /// Runs <paramref name="command"/> in the container: <paramref name="stdin"/> (if any) is copied to its stdin and then closed,
    /// its stdout is copied byte for byte to <paramref name="stdout"/>, and the last few KiB of its stderr are returned with its exit code.
    /// </summary>
    public async Task<ExecOutcome> ExecPipeAsync(string containerId, IReadOnlyList<string> command, Stream? stdin, Stream stdout, CancellationToken ct)
    {
        var version = await _api.VersionAsync(ct);
        var create = new JsonObject
        {
            ["AttachStdin"] = stdin is not null, ["AttachStdout"] = true, ["AttachStderr"] = true, ["Tty"] = false,
            ["Cmd"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        };
        using var created = await _http.PostAsync($"{ApiPrefix}/containers/{containerId}/exec",
            new StringContent(create.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(created, ct);
        var execId = Str(JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!, "Id");
        var stderr = new StringBuilder();
        await using (var connection = await UpgradeAsync(ExecStartRequest(execId, Endpoint.BaseAddress.Host, version), ct))
        {
            var feeding = stdin is null ? Task.CompletedTask : FeedAsync(connection, stdin, ct);
            var header = new byte[8];
            var buffer = new byte[81920];
            while (await ReadFrameHeaderAsync(connection, header, ct))
            {
                var remaining = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                while (remaining > 0)
                {
                    var read = await connection.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), ct);
                    if (read == 0) throw new IOException("the engine's stream ended inside a frame");
                    remaining -= read;
                    if (header[0] == 1) await stdout.WriteAsync(buffer.AsMemory(0, read), ct);
                    else
                    {
                        stderr.Append(Encoding.UTF8.GetString(buffer, 0, read));
                        if (stderr.Length > StderrKept * 2) stderr.Remove(0, stderr.Length - StderrKept);
                    }
                }
            }
            await feeding;
        }
        // The stream ends as the process does; the engine records the exit code a moment later.
        for (var attempt = 0; ; attempt++)
        {
            var inspected = await GetJsonAsync($"{ApiPrefix}/exec/{execId}/json", ct);
            if (inspected["Running"]?.GetValue<bool>() != true || attempt >= 50)
                return new ExecOutcome(inspected["ExitCode"]?.GetValue<int>() ?? -1,
                    stderr.Length > StderrKept ? stderr.ToString(stderr.Length - StderrKept, StderrKept) : stderr.ToString());
            await Task.Delay(100, ct);
        }
    }

    private static async Task FeedAsync(EngineConnection connection, Stream stdin, CancellationToken ct)
    {
        await stdin.CopyToAsync(connection, ct);
        await connection.FlushAsync(ct);
        await connection.CloseWriteAsync();
    }

    private static async Task<bool> ReadFrameHeaderAsync(Stream connection, byte[] header, CancellationToken ct)
    {
        var filled = 0;
        while (filled < header.Length)
        {
            var read = await connection.ReadAsync(header.AsMemory(filled), ct);
            if (read == 0) return filled == 0 ? false : throw new IOException("the engine's stream ended inside a frame header");
            filled += read;
        }
        return true;
    }
}
