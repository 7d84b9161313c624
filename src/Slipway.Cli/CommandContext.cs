using System.Text.Json;
using System.Text.Json.Serialization;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Foundation.Redaction;
using Slipway.Configuration;
using Slipway.Cli.Webhooks;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Cli;

/// <summary>What a command runs with: the loaded manifest, the chosen platform, the reporter. Built per invocation.</summary>
public sealed class CommandContext : IDisposable
{
    private readonly PlatformSession _session;

    private CommandContext(AppManifest app, string environment, PlatformSession session, StateDirectory state, Reporter reporter, Redactor redactor)
    {
        _session = session;
        Redactor = redactor;
        App = app;
        Environment = environment;
        State = state;
        Reporter = reporter;
    }

    public AppManifest App { get; }
    public string Environment { get; }
    public IPlatform Platform => _session.Platform;
    public AppSecrets Secrets => _session.Secrets;

    /// <summary>The app's deploy lock: on this machine for local environments, shared through the cloud for the others.</summary>
    public IDeployLock Lock => _session.Lock;
    public StateDirectory State { get; }
    public Reporter Reporter { get; }
    public Redactor Redactor { get; }
    public TimeProvider Time => TimeProvider.System;

    public SourceResolver Sources => new(new Git(), State.Sources);

    public Platforms.History.ReleaseHistory History => new(_session.Releases, Time, Redactor, App.Notify is { } notify ? run => NotifyAsync(notify, run) : null);

    /// <summary>Tells the manifest's webhook of a finished run; a failed delivery is a warning.</summary>
    private Task NotifyAsync(NotifySpec notify, Platforms.History.CompletedRun run) =>
        run.Result == "no change" ? Task.CompletedTask
            : new Webhook(Time).SendAsync(notify, new DeployEvent(
                Webhook.EventFor(run.Action, run.Result, run.Code), run.App, run.Environment, run.Platform, run.Version, run.PreviousVersion,
                System.Environment.UserName, System.Environment.MachineName, Math.Round(run.Duration.TotalSeconds, 3), run.Error, Time.GetUtcNow()),
                message => Reporter.Line($"warning: {message}"), Redactor, System.Environment.GetEnvironmentVariable);

    public Pipeline.DeployLockTaker LockTaker(bool wait) => new(Lock, wait, Reporter);

    /// <summary>A protected environment (production by default) asks before changing anything, unless --yes.</summary>
    public void ConfirmProtected(string action, bool assumeYes)
    {
        if (!App.Environment.Protected) return;
        if (!new Confirmation(assumeYes).Confirm($"{action} {App.App} in the protected environment {Environment}?",
                "pass --yes to confirm from a script"))
            throw new SlipwayException(ErrorCode.ConfirmationRequired, $"{action} of {App.App} ({Environment}) cancelled",
                "answer y, or pass --yes");
    }

    public static CommandContext Create(PlatformCatalog platforms, string manifestPath, string environment, Reporter reporter, Redactor redactor,
        bool assumeYes = false, string? preview = null)
    {
        var app = preview is null ? platforms.Load(manifestPath, environment)
            : ManifestLoader.LoadPreview(Path.GetFullPath(manifestPath), preview, TimeProvider.System.GetUtcNow(), platforms.Manifests);
        if (preview is not null) environment = preview;
        var state = StateDirectory.FromEnvironment();
        state.MakePrivate();
        var session = platforms.Open(app, PlatformContextFor(state, assumeYes));
        foreach (var value in session.Secrets.Readable) redactor.Add(value);
        return new CommandContext(app, environment, session, state, reporter, redactor);
    }

    /// <summary>What a platform is opened with in this process: the real clock and environment, and the console to ask on.</summary>
    public static PlatformContext PlatformContextFor(StateDirectory state, bool assumeYes) =>
        new(state, question => new Confirmation(assumeYes).Confirm(question, "pass --yes to confirm from a script"), TimeProvider.System,
            System.Environment.GetEnvironmentVariable);

    /// <summary>Prints <paramref name="value"/> for scripts (<c>--json</c>), as <paramref name="type"/> (one of <see cref="CliJson"/>'s) spells it.</summary>
    public static void WriteJson<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(value, type));

    public void Dispose() => _session.Dispose();
}
