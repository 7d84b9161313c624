using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Closes a client's connection at once when that address already holds <see cref="EdgeOptions.MaxConnectionsPerClient"/>
/// open on the app ports: one client trickling heads or bodies cannot take every file descriptor and buffer the edge has
/// (each such connection also ends at its own timeout).
/// </summary>
internal sealed class ClientConnectionLimit(EdgeOptions options)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public async Task ServeAsync(ConnectionContext connection, Func<Task> next)
    {
        if (options.MaxConnectionsPerClient == 0 || connection.RemoteEndPoint is not IPEndPoint { Address: var client })
        {
            await next();
            return;
        }
        try
        {
            if (_open.AddOrUpdate(client, 1, (_, n) => n + 1) > options.MaxConnectionsPerClient)
            {
                connection.Abort(new ConnectionAbortedException("too many connections from one client"));
                return;
            }
            await next();
        }
        finally
        {
            if (_open.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0) _open.TryRemove(new KeyValuePair<IPAddress, int>(client, 0));
        }
    }

    /// <summary>How many connections the address holds open now.</summary>
    public int Open(IPAddress client) => _open.GetValueOrDefault(client);
}
