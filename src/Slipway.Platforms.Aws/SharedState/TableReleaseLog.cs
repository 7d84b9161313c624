using Slipway.Cloud.Aws;
using Slipway.Platforms.History;

namespace Slipway.Platforms.Aws.SharedState;

/// <summary>
/// The release history of an aws environment, in the state table every machine shares: one item per run,
/// numbered by an atomic counter in the app's partition, so <c>releases</c> and <c>rollback</c> on any machine
/// see every machine's deploys, and a run killed before it completed stays "interrupted".
/// </summary>
public sealed class TableReleaseLog(StateTable table, string stackName) : IReleaseLog
{
    private const string RunPrefix = "run#";
    private string Partition => StateTable.PartitionOf(stackName);

    public string Location => $"in the DynamoDB table {table.Name}";

    private static string SortKeyOf(long id) => $"{RunPrefix}{id:D12}";

    /// <summary>The partition listing every stack with a recorded run (one item each, keyed by the stack's own partition), which the dashboard reads.</summary>
    public const string DeploymentsPartition = "deployments";

    public async Task<long> StartAsync(RunStart run, CancellationToken ct)
    {
        await table.EnsureAsync(ct);
        await table.Client.PutAsync(table.Name, new Dictionary<string, AttributeValue>(DynamoDbClient.Key(DeploymentsPartition, Partition))
        {
            ["app"] = AttributeValue.Of(run.App),
            ["environment"] = AttributeValue.Of(run.Environment),
        }, condition: null, ct);
        var counter = await table.Client.UpdateAsync(table.Name, DynamoDbClient.Key(Partition, "counter"), "ADD #next :one",
            new Condition("", new Dictionary<string, string> { ["#next"] = "next" },
                new Dictionary<string, AttributeValue> { [":one"] = AttributeValue.Of(1) }), ct);
        var id = StateTable.Number(counter, "next") ?? throw new InvalidOperationException("the run counter answered no number");
        await table.Client.PutAsync(table.Name, new Dictionary<string, AttributeValue>(DynamoDbClient.Key(Partition, SortKeyOf(id)))
        {
            ["app"] = AttributeValue.Of(run.App),
            ["environment"] = AttributeValue.Of(run.Environment),
            ["platform"] = AttributeValue.Of(run.Platform),
            ["action"] = AttributeValue.Of(run.Action),
            ["startedAt"] = AttributeValue.Of(run.StartedAt.ToUnixTimeMilliseconds()),
            ["result"] = AttributeValue.Of("interrupted"),
            ["user"] = AttributeValue.Of(run.User),
            ["host"] = AttributeValue.Of(run.Host),
        }, condition: null, ct);
        return id;
    }

    public async Task CompleteAsync(long id, RunEnd end, CancellationToken ct)
    {
        var set = new Dictionary<string, AttributeValue?>
        {
            ["result"] = AttributeValue.Of(end.Result),
            ["finishedAt"] = AttributeValue.Of(end.FinishedAt.ToUnixTimeMilliseconds()),
            ["version"] = end.Version is null ? null : AttributeValue.Of(end.Version),
            ["previousVersion"] = end.PreviousVersion is null ? null : AttributeValue.Of(end.PreviousVersion),
            ["error"] = end.Error is null ? null : AttributeValue.Of(end.Error),
        }.Where(a => a.Value is not null).ToList();
        await table.Client.UpdateAsync(table.Name, DynamoDbClient.Key(Partition, SortKeyOf(id)),
            "SET " + string.Join(", ", set.Select(a => $"#{a.Key} = :{a.Key}")),
            new Condition("", set.ToDictionary(a => $"#{a.Key}", a => a.Key), set.ToDictionary(a => $":{a.Key}", a => a.Value!)), ct);
    }

    /// <summary>The runs on the app's stack, from every machine (whatever each calls its environment), newest first.</summary>
    public async Task<IReadOnlyList<ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct)
    {
        if (!await table.ExistsAsync(ct)) return [];
        var items = await table.Client.QueryDescendingAsync(table.Name, Partition, RunPrefix, limit, ct);
        return items.Select(item =>
        {
            var started = DateTimeOffset.FromUnixTimeMilliseconds(StateTable.Number(item, "startedAt") ?? 0);
            TimeSpan? duration = StateTable.Number(item, "finishedAt") is { } finished ? DateTimeOffset.FromUnixTimeMilliseconds(finished) - started : null;
            return new ReleaseRecord(long.Parse(StateTable.Text(item, DynamoDbClient.SortKey)![RunPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture),
                StateTable.Text(item, "app") ?? app, StateTable.Text(item, "environment") ?? environment, StateTable.Text(item, "platform") ?? "aws",
                StateTable.Text(item, "action") ?? "?", StateTable.Text(item, "version"), StateTable.Text(item, "previousVersion"), started, duration,
                StateTable.Text(item, "result") ?? "interrupted", StateTable.Text(item, "error"), StateTable.Text(item, "user") ?? "?",
                StateTable.Text(item, "host") ?? "?");
        }).ToList();
    }
}
