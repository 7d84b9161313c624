namespace Slipway.Foundation;

/// <summary>
/// A failure the user can act on: one line naming the problem, a hint saying what to do, and the exit code it maps to.
/// Anything else that escapes is a bug and is reported as such.
/// </summary>
public sealed class SlipwayException(ErrorCode code, string message, string hint, Exception? inner = null)
    : Exception(message, inner)
{
    public ErrorCode Code { get; } = code;
    public string Hint { get; } = hint;
    public int ExitCode => Code.ExitCode();
}
