using System.Text;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>
/// A container's stdin, stdout and stderr on one connection (<c>run -i</c>): the engine's attach endpoint upgrades the
/// HTTP connection to a raw stream, which HttpClient cannot hand over, so this one connection is made by hand.
/// </summary>
public sealed partial class DockerEngine
{
    /// <summary>
    /// Attaches to a created (not yet started) container: returns the raw stream, multiplexed into 8-byte-header
    /// frames unless the container has a terminal. Writing to it is the container's stdin; shutting the socket's
    /// send side closes it.
    /// </summary>
    /// <param name="replay">For a container already running (a swarm's task): its output so far comes first.</param>
    public async Task<EngineConnection> AttachAsync(string id, CancellationToken ct, bool replay = false)
    {
        var version = await _api.VersionAsync(ct);
        return await UpgradeAsync(AttachRequest(id, Endpoint.BaseAddress.Host, version, replay), ct);
    }

    /// <summary>A new connection, on which the request (one the engine answers 101 to) turns HTTP into the raw stream it returns.</summary>
    private async Task<EngineConnection> UpgradeAsync(string request, CancellationToken ct)
    {
        var connection = await Endpoint.Dialer.ConnectAsync(ct);
        try
        {
            await connection.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
            await connection.FlushAsync(ct);
            var head = await ReadHeadAsync(connection, ct);
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) && !head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                throw new EngineApiException(500, head.Split("\r\n")[0]);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs a command in a running container with its stdin and stdout as one connection (the engine's exec, upgraded to a raw
    /// stream): what is written is its stdin, what is read its stdout; its stderr is dropped.
    /// </summary>
    public async Task<EngineConnection> ExecConnectAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct)
    {
        var version = await _api.VersionAsync(ct);
        var create = new System.Text.Json.Nodes.JsonObject
        {
            ["AttachStdin"] = true, ["AttachStdout"] = true, ["AttachStderr"] = true, ["Tty"] = false,
            ["Cmd"] = new System.Text.Json.Nodes.JsonArray(command.Select(c => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(c)).ToArray()),
        };
        using var created = await _http.PostAsync($"{ApiPrefix}/containers/{containerId}/exec",
            new StringContent(create.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(created, ct);
        var execId = Str(System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!, "Id");
        return new StdoutConnection(await UpgradeAsync(ExecStartRequest(execId, Endpoint.BaseAddress.Host, version), ct));
    }

    /// <summary>The answer's status line and headers, read byte by byte so that no byte of the stream after them is taken.</summary>
    private static async Task<string> ReadHeadAsync(Stream connection, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await connection.ReadAsync(one, ct) == 0) throw new EngineApiException(500, "the engine closed the attach connection");
            head.Append((char)one[0]);
            if (head.Length > 16_384) throw new EngineApiException(500, "the engine's answer to attach has no end of headers");
        }
        return head.ToString();
    }

    /// <summary>Sets a terminal container's size, as the user's terminal is.</summary>
    public Task ResizeAsync(string id, int height, int width, CancellationToken ct) =>
        PostAsync($"{ApiPrefix}/containers/{id}/resize?h={height}&w={width}", ct);
}
