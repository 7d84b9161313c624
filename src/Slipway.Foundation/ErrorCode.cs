namespace Slipway.Foundation;

/// <summary>Every failure Slipway names, so callers and tests match on a value, never on message text.</summary>
public enum ErrorCode
{
    // Bad input: the user must change a file, a flag or an argument (exit 2).
    ManifestNotFound,
    ManifestInvalid,
    DockerfileMissing,
    UnknownGitRef,
    SourceNotFound,
    ConfirmationRequired,
    PlatformNotAvailable,
    PortInUse,
    VersionNotAvailable,
    InvalidSetting,
    AwsNotConfigured,

    // The operation failed: retrying after fixing the environment or the app may help (exit 1).
    SourceUnreachable,
    EngineUnreachable,
    EngineUnsupported,
    StateDirUnwritable,
    BuildFailed,
    ReleaseUnhealthy,
    EdgeUnavailable,
    CheckFailed,
    AppNotDeployed,
    AwsAccessDenied,
    LockHeld,
    HookFailed,
    AwsRequestFailed,
    StackFailed,
    DeploymentFailed,
    CanaryAborted,
    NoCanary,
    CertificateNotIssued,
    BackupFailed,
}

public static class ErrorCodeExtensions
{
    public const int OperationFailed = 1;
    public const int InvalidInput = 2;
    public const int Cancelled = 130;

    public static int ExitCode(this ErrorCode code) => code switch
    {
        ErrorCode.ManifestNotFound or ErrorCode.ManifestInvalid or ErrorCode.DockerfileMissing
            or ErrorCode.UnknownGitRef or ErrorCode.SourceNotFound or ErrorCode.ConfirmationRequired
            or ErrorCode.PlatformNotAvailable or ErrorCode.PortInUse or ErrorCode.VersionNotAvailable
            or ErrorCode.InvalidSetting or ErrorCode.AwsNotConfigured => InvalidInput,
        _ => OperationFailed,
    };
}
