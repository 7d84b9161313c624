using System.Net;
using System.Net.Sockets;

namespace Slipway.Edge;

/// <summary>
/// <c>slipway-edge probe HOST:PORT...</c>: whether each TCP port accepts a connection from where the edge runs, one line each
/// (<c>HOST:PORT open|refused|timeout|unreachable</c>), all tried at once. How <c>doctor</c> checks a swarm's ports from a node,
/// through the engine's exec, where the CLI's own machine may not reach them.
/// </summary>
public static class PortProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(IReadOnlyList<string> targets, TextWriter output)
    {
        var endpoints = new List<(string Text, IPEndPoint Endpoint)>();
        foreach (var target in targets)
        {
            if (!IPEndPoint.TryParse(target, out var endpoint) || endpoint.Port == 0)
            {
                await Console.Error.WriteLineAsync($"error: \"{target}\" is not ADDRESS:PORT");
                return 2;
            }
            endpoints.Add((target, endpoint));
        }
        var results = await Task.WhenAll(endpoints.Select(e => ProbeAsync(e.Endpoint)));
        for (var i = 0; i < endpoints.Count; i++) await output.WriteLineAsync($"{endpoints[i].Text} {results[i]}");
        return 0;
    }

    public static async Task<string> ProbeAsync(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var limit = new CancellationTokenSource(Timeout);
        try
        {
            await socket.ConnectAsync(endpoint, limit.Token);
            return "open";
        }
        catch (OperationCanceledException)
        {
            return "timeout";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return "refused";
        }
        catch (SocketException)
        {
            return "unreachable";
        }
    }
}
