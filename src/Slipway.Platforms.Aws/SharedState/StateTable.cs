using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Aws.SharedState;

/// <summary>
/// The DynamoDB table where the aws environments of every machine share their deploy locks and release
/// histories: one per account and region, created on first use (on-demand billing, encrypted at rest as every
/// DynamoDB table is) and never deleted by <c>destroy</c>, since it holds the history. An app's items share one
/// partition, named after its stack, the name that identifies the deployed app whatever a machine calls its environment.
/// </summary>
public sealed class StateTable(DynamoDbClient dynamo, TimeProvider time, string name = StateTable.DefaultName)
{
    public const string DefaultName = "slipway-state";

    private bool _known;

    public string Name => name;
    public DynamoDbClient Client => dynamo;
    public TimeProvider Time => time;

    public static string PartitionOf(string stackName) => $"stack:{stackName}";

    /// <summary>Whether the table exists, for reads: reading never creates it.</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct) => _known || (_known = await dynamo.TableStatusAsync(name, ct) is not null);

    /// <summary>Creates the table if it is missing and waits until it is usable.</summary>
    public async Task EnsureAsync(CancellationToken ct)
    {
        if (_known) return;
        if (await dynamo.TableStatusAsync(name, ct) is null)
            await dynamo.CreateTableAsync(name, new Dictionary<string, string> { ["slipway:purpose"] = "deploy locks and release history" }, ct);
        await Poll.UntilAsync(async c => await dynamo.TableStatusAsync(name, c) is "ACTIVE" or "UPDATING"
                ? Attempt<bool>.Finished(true) : Attempt<bool>.Pending(false),
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), time,
            _ => new SlipwayException(ErrorCode.AwsRequestFailed, $"the DynamoDB table {name} did not become ACTIVE within 2 minutes",
                $"check it (aws dynamodb describe-table --table-name {name}), then run the command again"), ct);
        _known = true;
    }

    public static string? Text(IReadOnlyDictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) ? value.S : null;

    public static long? Number(IReadOnlyDictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) && value.N is { } n ? long.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : null;
}
