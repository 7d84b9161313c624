namespace Slipway.Platforms;

/// <summary>
/// A platform that runs the manifest's <c>processes:</c> (workers) beside the web process, rolled out and back with
/// it; its <see cref="IPlatform.GetStatusAsync"/> lists them and its logs can be limited to one.
/// </summary>
public interface IWorkerProcesses;
