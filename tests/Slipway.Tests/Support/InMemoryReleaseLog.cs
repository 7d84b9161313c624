using Slipway.Platforms.History;

namespace Slipway.Tests.Support;

/// <summary>A release log in memory, for run policy tests: what a pipeline recorded, in order.</summary>
public sealed class InMemoryReleaseLog : IReleaseLog
{
    private readonly List<ReleaseRecord> _records = [];

    public string Location => "in memory";

    public IReadOnlyList<ReleaseRecord> Records => _records;

    public Task<long> StartAsync(RunStart run, CancellationToken ct)
    {
        var id = _records.Count + 1L;
        _records.Add(new ReleaseRecord(id, run.App, run.Environment, run.Platform, run.Action, null, null, run.StartedAt, null,
            "interrupted", null, run.User, run.Host));
        return Task.FromResult(id);
    }

    public Task CompleteAsync(long id, RunEnd end, CancellationToken ct)
    {
        var index = (int)id - 1;
        _records[index] = _records[index] with
        {
            Result = end.Result, Version = end.Version, PreviousVersion = end.PreviousVersion, Error = end.Error,
            Duration = end.FinishedAt - _records[index].StartedAt,
        };
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ReleaseRecord>>(_records.Where(r => r.App == app && r.Environment == environment)
            .OrderByDescending(r => r.Id).Take(limit).ToList());
}
