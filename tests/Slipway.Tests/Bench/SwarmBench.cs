using System.Diagnostics;
using System.Globalization;
using Slipway.Platforms;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Bench;

/// <summary>
/// Figures for bench/README.md, run only by <c>bench/swarm.sh</c> (SLIPWAY_BENCH=1): the same app deployed to a three-node
/// swarm and to the local engine, side by side in one run, and a lost node's recovery. Nothing is asserted on time.
/// </summary>
[Trait("Tier", "bench")]
[Collection(Slipway.Tests.EndToEnd.TimingCollection.Name)]
public sealed class SwarmBench
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("ROUNDS"), out var rounds) ? rounds : 3;

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("SLIPWAY_BENCH_OUT") is { Length: > 0 } file) File.AppendAllText(file, line + Environment.NewLine);
    }

    private static async Task<double> TimedAsync(LocalApp app, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        (await app.RunAsync(args)).Succeeded();
        return clock.Elapsed.TotalSeconds;
    }

    private static string Seconds(IEnumerable<double> times) =>
        string.Join(", ", times.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture))) + " s";

    private static double Median(IReadOnlyList<double> times) => times.Order().ElementAt(times.Count / 2);

    [Fact]
    public async Task A_deploy_to_three_nodes_against_a_local_one_and_a_lost_nodes_recovery()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SLIPWAY_BENCH") == "1", "a benchmark: bench/swarm.sh runs it");
        await using var swarm = await TestSwarm.StartAsync(3, Ct);
        await using var onSwarm = new LocalApp("bsw", dockerHost: swarm.Manager.DockerHost, address: swarm.Manager.Address,
            cliEnvironment: swarm.Manager.CliEnvironment());
        onSwarm.WriteManifest(extra: $"engine: {swarm.Manager.SshEngine}\nswarm:\n  registry: {swarm.Registry}\n");
        await using var local = new LocalApp("bloc");
        local.WriteManifest();

        var first = (Swarm: await TimedAsync(onSwarm, "up", "-e", "swarm"), Local: await TimedAsync(local, "up"));
        var (swarmUps, localUps, swarmBacks, localBacks) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var app in new[] { onSwarm, local })
            {
                app.Repo.Write("app/extra.txt", $"round {round}");
                app.Repo.Commit($"round {round}");
            }
            // Alternating which goes first, so neither always gets the warmer machine.
            if (round % 2 == 1)
            {
                swarmUps.Add(await TimedAsync(onSwarm, "up", "-e", "swarm"));
                localUps.Add(await TimedAsync(local, "up"));
            }
            else
            {
                localUps.Add(await TimedAsync(local, "up"));
                swarmUps.Add(await TimedAsync(onSwarm, "up", "-e", "swarm"));
            }
            swarmBacks.Add(await TimedAsync(onSwarm, "rollback", "-e", "swarm", "--yes"));
            localBacks.Add(await TimedAsync(local, "rollback", "--yes"));
        }
        Report($"machine: {Environment.ProcessorCount} cores; swarm: 3 nodes (Debian's dockerd 20.10 each, in network namespaces), the manager over ssh");
        Report("| what | local engine | 3-node swarm | ratio |");
        Report("|---|---|---|---|");
        Report($"| first up (build, push on the swarm, edge start) | {first.Local:0.0} s | {first.Swarm:0.0} s | {first.Swarm / first.Local:0.0}× |");
        Report($"| up of a new commit (build + deploy), median of {Rounds} | {Median(localUps):0.0} s ({Seconds(localUps)}) | {Median(swarmUps):0.0} s ({Seconds(swarmUps)}) | {Median(swarmUps) / Median(localUps):0.0}× |");
        Report($"| rollback (no build), median of {Rounds} | {Median(localBacks):0.0} s ({Seconds(localBacks)}) | {Median(swarmBacks):0.0} s ({Seconds(swarmBacks)}) | {Median(swarmBacks) / Median(localBacks):0.0}× |");

        // A lost node: a worker holding a task is powered off under load.
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var nodes = await swarm.NodeIdsAsync(Ct);
        var services = await engine.ListServicesAsync(ReleaseLabels.ForApp(onSwarm.Name), Ct);
        var serving = services.Single(s => s.Replicas is > 0);
        var tasks = (await engine.ListTasksAsync(serving.Id, Ct)).Where(t => t.IsRunning).ToList();
        var lost = Enumerable.Range(1, nodes.Count - 1).First(i => tasks.Any(t => t.NodeId == nodes[i]));
        await using var load = LoadLoop.Start(onSwarm.Url);
        await load.WaitForMoreAsync(20, "before the loss");
        var clock = Stopwatch.StartNew();
        await swarm.Nodes[lost].PowerOffAsync(Ct);
        TimeSpan? rescheduled = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            var running = (await engine.ListTasksAsync(serving.Id, Ct)).Count(t => t.IsRunning && t.NodeId != nodes[lost]);
            if (running == 2) rescheduled ??= clock.Elapsed;
            var status = await onSwarm.RunAsync("status", "-e", "swarm", "--json");
            return running == 2 && status.ExitCode == 0 && System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement
                .GetProperty("replicas").EnumerateArray().Count(r => r.GetProperty("health").GetString() == "healthy") == 2;
        }, TimeSpan.FromSeconds(180), "full strength after the loss");
        var recovered = clock.Elapsed;
        var (sent, failures) = await load.StopAsync();
        Report($"| a worker's engine killed under load: the swarm runs its task elsewhere | | {rescheduled?.TotalSeconds:0.0} s | |");
        Report($"| ... and the edge sends to it (full strength) | | {recovered.TotalSeconds:0.0} s, {failures.Count} of {sent} requests failed | |");
        await onSwarm.RunAsync("destroy", "-e", "swarm", "--yes");
        (await local.RunAsync("destroy", "--yes")).Succeeded();
    }
}
