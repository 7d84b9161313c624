using System.CommandLine;
using Slipway.Backups;
using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Pipeline;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary>
/// Preview environments: <c>up --preview NAME</c> and <c>destroy --preview NAME</c> (each an app of its own, derived from
/// <c>previews.from</c>), and <c>slipway previews</c>, which lists them.
/// </summary>
public static class PreviewCommand
{
    public static Option<string?> Option(string description) => new("--preview") { Description = description, HelpName = "name" };

    /// <summary>The manifest's <c>previews:</c>, read again: a preview's own manifest has none (it is the base's, derived).</summary>
    private static PreviewsSpec PreviewsOf(CommandContext context) =>
        ManifestLoader.Load(context.App.ManifestPath, context.App.Environment.Platform, BuiltInPlatforms.Catalog.Manifests).Previews!;

    /// <summary>The base environment's manifest, which previews derive from.</summary>
    private static AppManifest BaseOf(CommandContext context, PreviewsSpec spec) =>
        ManifestLoader.Load(context.App.ManifestPath, spec.From, BuiltInPlatforms.Catalog.Manifests);

    private static IPreviewEnvironments Require(CommandContext context) => context.Platform as IPreviewEnvironments ?? throw new SlipwayException(
        ErrorCode.PlatformNotAvailable, $"--preview: the {context.Platform.Name} platform has no preview environments yet", "make previews.from a local environment");

    /// <summary>
    /// Before a preview deploys: the base's previews whose time is up are removed (the local scheduler does it on its own; aws has
    /// no part of Slipway running, so this is where they go there), then past <c>previews.max</c> the oldest is removed
    /// (whenFull: evict) or this one refused, before anything is built.
    /// </summary>
    public static async Task MakeRoomAsync(CommandContext context, bool quiet, CancellationToken ct)
    {
        var preview = context.App.Preview!;
        var spec = PreviewsOf(context);
        var others = (await Require(context).PreviewsAsync(preview.Of, ct)).Where(p => p.Name != preview.Name).ToList();
        var room = PreviewRoom.Plan(preview.Of, others, spec, context.Time.GetUtcNow());
        if (room.Refusal is { } refusal) throw refusal;
        foreach (var expired in room.Expired)
        {
            context.Reporter.Line($"preview {expired.Name} expired at {expired.ExpiresAt!.Value.ToLocalTime():yyyy-MM-dd HH:mm}: removing it");
            await RemoveAsync(context, spec, expired.Name, ct);
        }
        foreach (var oldest in room.Evicted)
        {
            context.Reporter.Line($"previews.max ({spec.Max}) reached: removing the oldest preview, {oldest.Name}");
            await RemoveAsync(context, spec, oldest.Name, ct);
        }
    }

    /// <summary>
    /// What a preview does once its accessories and volumes exist and before its first release (<c>previews.seed</c>): each named
    /// one restored from the base's backup. A preview that serves already keeps its own data. Null when nothing is seeded.
    /// </summary>
    public static Func<CancellationToken, Task>? Seeding(CommandContext context)
    {
        var spec = PreviewsOf(context);
        if (spec.Seed is not { Count: > 0 } seed) return null;
        return async ct =>
        {
            if ((await context.Platform.GetStatusAsync(context.App, ct)).Version is not null) return;
            var data = BackupCommand.Require(context);
            var based = BaseOf(context, spec);
            var store = BackupCommand.StoreFor(context, to: null);
            try
            {
                var records = await store.ListAsync(based.App, ct);
                foreach (var (name, which) in seed)
                {
                    var target = based.Accessories.Any(a => a.Name == name)
                        ? new BackupTarget(BackupTarget.Accessory, name)
                        : new BackupTarget(BackupTarget.Volume, name);
                    var record = records.Where(r => r.Target == target)
                                     .FirstOrDefault(r => which == PreviewsSpec.LatestBackup || r.Id == which) // newest first
                                 ?? throw new SlipwayException(ErrorCode.InvalidSetting,
                                     $"previews.seed.{name}: no backup {(which == PreviewsSpec.LatestBackup ? "" : $"\"{which}\" ")}of {target} of {based.App} in {store.Location}",
                                     $"take one (slipway backup -e {spec.From}{(target.Kind == BackupTarget.Accessory ? $" --accessory {name}" : $" --volume {name}")}) or name one slipway backups -e {spec.From} lists");
                    await BackupCommand.Pipeline(context, data).SeedAsync(context.App, record, store, ct);
                }
            }
            finally
            {
                (store as IDisposable)?.Dispose();
            }
        };
    }

    private static async Task RemoveAsync(CommandContext context, PreviewsSpec spec, string name, CancellationToken ct)
    {
        var removed = ManifestLoader.Preview(BaseOf(context, spec), spec, name,
            context.Time.GetUtcNow(), BuiltInPlatforms.Catalog.Manifests);
        var report = await new DestroyPipeline(context.Platform, context.LockTaker(wait: true), context.History, context.Reporter)
            .RunAsync(removed, ct, removeVolumes: true);
        if (report.Problems.Count > 0)
            throw new SlipwayException(ErrorCode.DeploymentFailed, $"previews: the preview {name} could not all be removed: {report.Problems[0]}",
                $"remove it by hand (slipway destroy --preview {name}), then run up again");
    }

    public static Command List(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var json = CommonOptions.Json();
        var command = new Command("previews", "List the app's preview environments: name, age, version, URL and when each expires") { file, json };
        command.SetAction((parse, ct) =>
        {
            // The command runs in the base environment: previews.from says which.
            string from;
            try
            {
                from = platforms.Load(parse.GetValue(file)!, platforms.Manifests[0].Name).Previews?.From ?? platforms.Manifests[0].Name;
            }
            catch (SlipwayException)
            {
                from = platforms.Manifests[0].Name; // the same error, reported by the run below
            }
            return CommandRunner.RunAsync(platforms, parse.GetValue(file)!, from, async context =>
            {
                if (context.App.Previews is null)
                    throw new SlipwayException(ErrorCode.InvalidSetting, $"previews: {Path.GetFileName(context.App.ManifestPath)} has no previews: section",
                        "add previews: { from: staging, host: \"{name}.preview.example.com\" }");
                var of = $"{(context.App.Environment.IsDeclared ? context.App.App[..^(context.App.Environment.Name.Length + 1)] : context.App.App)}@{context.App.Previews.From}";
                var previews = await Require(context).PreviewsAsync(of, ct);
                if (parse.GetValue(json))
                {
                    CommandContext.WriteJson(previews, CliJson.Default.IReadOnlyListPreviewStatus);
                    return 0;
                }
                if (previews.Count == 0) Console.Out.WriteLine($"no previews of {of} (slipway up --preview NAME makes one)");
                var now = context.Time.GetUtcNow();
                foreach (var preview in previews)
                    Console.Out.WriteLine($"{preview.Name,-20} {(preview.DeployedAt is { } at ? Slipway.Foundation.Timing.Duration.Format(now - at) + " old" : "not serving"),-14} "
                                          + $"{preview.Version ?? "-",-10} {preview.Url?.ToString() ?? "-"}  expires {(preview.ExpiresAt is { } expires ? expires.ToLocalTime().ToString("yyyy-MM-dd HH:mm") : "-")}");
                return 0;
            });
        });
        return command;
    }
}
