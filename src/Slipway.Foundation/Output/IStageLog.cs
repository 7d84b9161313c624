namespace Slipway.Foundation.Output;

/// <summary>Where a running stage reports what it is doing.</summary>
public interface IStageLog
{
    /// <summary>A line worth showing (a build step, a replica started).</summary>
    void Info(string message);

    /// <summary>Something the user should know that does not stop the run.</summary>
    void Warn(string message);
}
