using Slipway.Engine;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// <c>doctor</c>'s check of the ports a swarm needs between its nodes, from the manager Slipway talks to: 2377/tcp to the
/// other managers and 7946/tcp to every other node, tried by the edge's relay on that manager (<c>slipway-edge probe</c>, as the
/// CLI's own machine may not reach the nodes' addresses); and the overlay itself (4789/udp and 7946/udp, which no connection
/// can probe): each edge answering through it.
/// </summary>
public sealed class SwarmPortCheck(DockerEngine engine, SwarmEdge edge)
{
    public const string Hint = "open 2377/tcp to the managers, 7946/tcp+udp and 4789/udp between every pair of nodes (firewall, security group)";

    public async Task<IReadOnlyList<DoctorCheck>> RunAsync(string self, IReadOnlyList<SwarmNode> nodes, CancellationToken ct)
    {
        var relay = (await engine.ListTasksAsync(SwarmNames.RelayService, ct))
            .FirstOrDefault(t => t is { IsRunning: true, DesiredState: "running", ContainerId: not null } && t.NodeId == self);
        if (relay is null)
            return [new("swarm ports", CheckStatus.Warning, "not checked: they are tried from the edge's relay, which the first up starts", Hint)];
        var others = nodes.Where(n => n.Id != self && n.State == "ready").ToList();
        var targets = others.Select(n => (Node: n, Port: 7946)).Concat(others.Where(n => n.Role == "manager").Select(n => (Node: n, Port: 2377))).ToList();
        var checks = new List<DoctorCheck>();
        if (targets.Count > 0)
        {
            var answers = await ProbeAsync(relay.ContainerId!, targets.Select(t => $"{t.Node.Address}:{t.Port}").ToList(), ct);
            var closed = targets.Zip(answers).Where(t => t.Second != "open")
                .Select(t => $"{t.First.Node.Hostname} ({t.First.Node.Address}) {t.First.Port}/tcp {t.Second}").ToList();
            checks.Add(closed.Count == 0
                ? new("swarm ports", CheckStatus.Ok, $"7946/tcp open on {others.Count} other node(s), 2377/tcp on {others.Count(n => n.Role == "manager")} other manager(s)")
                : new("swarm ports", CheckStatus.Failed, string.Join("; ", closed), Hint));
        }
        var edges = await edge.EdgesAsync(wait: false, ct);
        try
        {
            var running = (await engine.ListTasksAsync(SwarmNames.EdgeService, ct)).Where(t => t is { IsRunning: true, DesiredState: "running" }).ToList();
            var silent = running.Where(t => edges.All(e => e.NodeId != t.NodeId))
                .Select(t => nodes.FirstOrDefault(n => n.Id == t.NodeId) is { } node ? $"{node.Hostname} ({node.Address})" : t.NodeId).ToList();
            checks.Add(silent.Count == 0
                ? new("swarm overlay", CheckStatus.Ok, $"the edge on {edges.Count} node(s) answers through the overlay network")
                : new("swarm overlay", CheckStatus.Failed, $"the edge runs but does not answer through the overlay on {string.Join(", ", silent)}", Hint));
        }
        finally
        {
            foreach (var one in edges) one.Dispose();
        }
        return checks;
    }

    private async Task<IReadOnlyList<string>> ProbeAsync(string container, IReadOnlyList<string> targets, CancellationToken ct)
    {
        await using var connection = await engine.ExecConnectAsync(container, [EdgeImage.Program, "probe", .. targets], ct);
        await connection.CloseWriteAsync();
        using var reader = new StreamReader(connection);
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadLineAsync(ct) is { } line)
            if (line.Split(' ') is [var target, var answer]) answers[target] = answer;
        return targets.Select(t => answers.GetValueOrDefault(t, "not probed")).ToList();
    }
}
