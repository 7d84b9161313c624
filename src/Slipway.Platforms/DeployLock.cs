namespace Slipway.Platforms;

/// <summary>Who holds an app's deploy lock, as a waiting run and <c>slipway lock status</c> show it.</summary>
/// <param name="CiRun">The CI job holding it (its URL or id), when it runs in CI.</param>
/// <param name="LeaseUntil">For a lease (a lock shared through the cloud): when it lapses unless its holder renews it.</param>
/// <param name="Stage">The stage the holder's run is in (source, build, deploy...), as far as it told.</param>
public sealed record LockHolder(int ProcessId, string Host, string User, string Command, DateTimeOffset Since, string? CiRun = null,
    DateTimeOffset? LeaseUntil = null, string? Stage = null)
{
    /// <summary>This process, as a holder.</summary>
    public static LockHolder Current(DateTimeOffset now, Func<string, string?> environment) =>
        new(System.Environment.ProcessId, System.Environment.MachineName, System.Environment.UserName,
            string.Join(' ', System.Environment.GetCommandLineArgs().Skip(1).Prepend("slipway")), now, CiRunOf(environment));

    /// <summary>The CI job this process runs in (GitHub Actions, GitLab CI, Jenkins, or any CI setting CI_JOB_URL), else null.</summary>
    public static string? CiRunOf(Func<string, string?> environment)
    {
        string? Set(string name) => environment(name) is { Length: > 0 } value ? value : null;
        if (Set("GITHUB_RUN_ID") is { } run)
            return $"{Set("GITHUB_SERVER_URL") ?? "https://github.com"}/{Set("GITHUB_REPOSITORY") ?? "?"}/actions/runs/{run}";
        return Set("CI_JOB_URL") ?? Set("BUILD_URL");
    }

    public override string ToString() =>
        $"pid {ProcessId} on {Host} ({User}), `{Command}`, since {Since:u}"
        + (CiRun is null ? "" : $", CI run {CiRun}")
        + (LeaseUntil is { } until ? $", lease until {until:u}" : "")
        + (Stage is null ? "" : $", at stage {Stage}");
}

/// <summary>Whether a run holds the lock, and which.</summary>
public sealed record LockState(bool Held, LockHolder? Holder);

/// <summary>A taken lock; disposing it lets the next run in.</summary>
public interface IDeployLockHold : IAsyncDisposable
{
    /// <summary>For destroy: the app leaves no lock behind. Called while still holding it.</summary>
    Task ForgetAsync(CancellationToken ct);

    /// <summary>Tells whoever looks at the lock (status, the dashboard, a waiting run) which stage the run is in.</summary>
    void ReportStage(string stage);
}

/// <summary>
/// One app's deploy lock, so two runs never interleave: a file lock on this machine for local environments,
/// a lease shared by every machine for cloud ones.
/// </summary>
public interface IDeployLock
{
    /// <summary>Takes the lock; when another run holds it, waits (telling <paramref name="onWait"/> who) or, with <paramref name="wait"/> false, fails at once.</summary>
    /// <param name="onInterrupted">Told about a previous run that died holding the lock, so that is never silent.</param>
    Task<IDeployLockHold> AcquireAsync(bool wait, Action<LockHolder?> onWait, Action<LockHolder> onInterrupted, CancellationToken ct);

    Task<LockState> InspectAsync(CancellationToken ct);

    /// <summary>
    /// Frees a lock left by a run that died; never a live run's (that is <see cref="ErrorCode.LockHeld"/>).
    /// Returns what was done, for the user.
    /// </summary>
    Task<string> ReleaseAbandonedAsync(CancellationToken ct);
}

/// <summary>A lock holder's JSON (in the lock's file, or the shared table's item), its metadata generated at build time.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LockHolder))]
public sealed partial class LockHolderJson : System.Text.Json.Serialization.JsonSerializerContext;
