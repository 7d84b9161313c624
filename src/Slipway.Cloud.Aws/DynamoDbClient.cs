using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

/// <summary>A DynamoDB attribute value: a string or a number (sent as a string, as the wire format wants).</summary>
public sealed record AttributeValue(string? S = null, string? N = null)
{
    public static AttributeValue Of(string value) => new(S: value);
    public static AttributeValue Of(long value) => new(N: value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>One conditional write: the expression, and the names and values it refers to (<c>#name</c>, <c>:value</c>).</summary>
public sealed record Condition(string Expression, IReadOnlyDictionary<string, string>? Names = null,
    IReadOnlyDictionary<string, AttributeValue>? Values = null);

/// <summary>
/// The DynamoDB operations Slipway's shared state needs (one table, string keys <c>pk</c>/<c>sk</c>), over JSON 1.0.
/// A failed condition is <see cref="AwsServiceException"/> with <see cref="ConditionFailed"/> as its code.
/// </summary>
public sealed partial class DynamoDbClient(AwsJsonClient json) : IDisposable
{
    public const string ConditionFailed = "ConditionalCheckFailedException";
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";

    private sealed record KeyAttribute(string AttributeName, string AttributeType);
    private sealed record KeyElement(string AttributeName, string KeyType);
    private sealed record Tag(string Key, string Value);
    private sealed record TableNameRequest(string TableName);
    private sealed record CreateTableRequest(string TableName, IReadOnlyList<KeyAttribute> AttributeDefinitions, IReadOnlyList<KeyElement> KeySchema,
        string BillingMode, IReadOnlyList<Tag> Tags);
    private sealed record TableDescription(string? TableStatus);
    private sealed record DescribeTableResponse(TableDescription? Table);
    private sealed record PutItemRequest(string TableName, IReadOnlyDictionary<string, AttributeValue> Item, string? ConditionExpression,
        IReadOnlyDictionary<string, string>? ExpressionAttributeNames, IReadOnlyDictionary<string, AttributeValue>? ExpressionAttributeValues,
        string? ReturnValues);
    private sealed record GetItemRequest(string TableName, IReadOnlyDictionary<string, AttributeValue> Key, bool ConsistentRead);
    private sealed record UpdateItemRequest(string TableName, IReadOnlyDictionary<string, AttributeValue> Key, string UpdateExpression,
        string? ConditionExpression, IReadOnlyDictionary<string, string>? ExpressionAttributeNames,
        IReadOnlyDictionary<string, AttributeValue>? ExpressionAttributeValues, string ReturnValues);
    private sealed record DeleteItemRequest(string TableName, IReadOnlyDictionary<string, AttributeValue> Key, string? ConditionExpression,
        IReadOnlyDictionary<string, string>? ExpressionAttributeNames, IReadOnlyDictionary<string, AttributeValue>? ExpressionAttributeValues,
        string? ReturnValues);
    private sealed record QueryRequest(string TableName, string KeyConditionExpression, IReadOnlyDictionary<string, string> ExpressionAttributeNames,
        IReadOnlyDictionary<string, AttributeValue> ExpressionAttributeValues, bool ScanIndexForward, int Limit, bool ConsistentRead,
        IReadOnlyDictionary<string, AttributeValue>? ExclusiveStartKey);
    private sealed record ItemResponse(Dictionary<string, AttributeValue>? Item, Dictionary<string, AttributeValue>? Attributes);
    private sealed record QueryResponse(List<Dictionary<string, AttributeValue>>? Items, Dictionary<string, AttributeValue>? LastEvaluatedKey);

    public void Dispose() => json.Dispose();

    /// <summary>The wire types' metadata, generated at build time.</summary>
    [JsonSerializable(typeof(TableNameRequest))]
    [JsonSerializable(typeof(CreateTableRequest))]
    [JsonSerializable(typeof(DescribeTableResponse))]
    [JsonSerializable(typeof(PutItemRequest))]
    [JsonSerializable(typeof(GetItemRequest))]
    [JsonSerializable(typeof(UpdateItemRequest))]
    [JsonSerializable(typeof(DeleteItemRequest))]
    [JsonSerializable(typeof(QueryRequest))]
    [JsonSerializable(typeof(ItemResponse))]
    [JsonSerializable(typeof(QueryResponse))]
    private sealed partial class DynamoDbWire : JsonSerializerContext;

    public static DynamoDbClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsJsonClient(new AwsHttp(settings, "dynamodb", settings.EndpointFor("dynamodb", "DynamoDB"), time), "DynamoDB",
            "DynamoDB_20120810", DynamoDbWire.Default, pascalCase: true, protocolVersion: "1.0"));

    public static IReadOnlyDictionary<string, AttributeValue> Key(string partition, string sort) =>
        new Dictionary<string, AttributeValue> { [PartitionKey] = AttributeValue.Of(partition), [SortKey] = AttributeValue.Of(sort) };

    /// <summary>The table's status (<c>ACTIVE</c>, <c>CREATING</c>...), or null when there is no such table.</summary>
    public async Task<string?> TableStatusAsync(string table, CancellationToken ct)
    {
        try
        {
            return (await json.CallAsync<TableNameRequest, DescribeTableResponse>("DescribeTable", new(table), ct)).Table?.TableStatus;
        }
        catch (AwsServiceException e) when (e.Code == "ResourceNotFoundException")
        {
            return null;
        }
    }

    /// <summary>Creates an on-demand table keyed by <c>pk</c> and <c>sk</c>; one created meanwhile by someone else is fine.</summary>
    public async Task CreateTableAsync(string table, IReadOnlyDictionary<string, string> tags, CancellationToken ct)
    {
        try
        {
            await json.CallAsync<CreateTableRequest, DescribeTableResponse>("CreateTable", new(table,
                [new(PartitionKey, "S"), new(SortKey, "S")], [new(PartitionKey, "HASH"), new(SortKey, "RANGE")], "PAY_PER_REQUEST",
                tags.Select(t => new Tag(t.Key, t.Value)).ToList()), ct);
        }
        catch (AwsServiceException e) when (e.Code == "ResourceInUseException")
        {
        }
    }

    /// <summary>Writes the item if the condition holds; returns the item it replaced, if any.</summary>
    public async Task<IReadOnlyDictionary<string, AttributeValue>?> PutAsync(string table, IReadOnlyDictionary<string, AttributeValue> item,
        Condition? condition, CancellationToken ct) =>
        (await json.CallAsync<PutItemRequest, ItemResponse>("PutItem", new(table, item, condition?.Expression, condition?.Names,
            condition?.Values, "ALL_OLD"), ct)).Attributes;

    public async Task<IReadOnlyDictionary<string, AttributeValue>?> GetAsync(string table, IReadOnlyDictionary<string, AttributeValue> key,
        CancellationToken ct) =>
        (await json.CallAsync<GetItemRequest, ItemResponse>("GetItem", new(table, key, ConsistentRead: true), ct)).Item;

    /// <summary>Updates the item (<paramref name="update"/>, e.g. <c>SET #a = :a</c>) if the condition holds; returns the item as it is after.</summary>
    /// <param name="expression">The condition (may be empty), with the names and values both expressions use.</param>
    public async Task<IReadOnlyDictionary<string, AttributeValue>> UpdateAsync(string table, IReadOnlyDictionary<string, AttributeValue> key,
        string update, Condition expression, CancellationToken ct) =>
        (await json.CallAsync<UpdateItemRequest, ItemResponse>("UpdateItem", new(table, key, update,
            expression.Expression.Length == 0 ? null : expression.Expression, expression.Names, expression.Values, "ALL_NEW"), ct)).Attributes
        ?? new Dictionary<string, AttributeValue>();

    /// <summary>Deletes the item if the condition holds; returns the deleted item, or null when there was none.</summary>
    public async Task<IReadOnlyDictionary<string, AttributeValue>?> DeleteAsync(string table, IReadOnlyDictionary<string, AttributeValue> key,
        Condition? condition, CancellationToken ct) =>
        (await json.CallAsync<DeleteItemRequest, ItemResponse>("DeleteItem", new(table, key, condition?.Expression, condition?.Names,
            condition?.Values, "ALL_OLD"), ct)).Attributes;

    /// <summary>The items of one partition whose sort key starts with <paramref name="prefix"/>, newest (highest key) first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, AttributeValue>>> QueryDescendingAsync(string table, string partition, string prefix,
        int limit, CancellationToken ct)
    {
        var items = new List<IReadOnlyDictionary<string, AttributeValue>>();
        IReadOnlyDictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await json.CallAsync<QueryRequest, QueryResponse>("Query", new(table, "#pk = :pk AND begins_with(#sk, :prefix)",
                new Dictionary<string, string> { ["#pk"] = PartitionKey, ["#sk"] = SortKey },
                new Dictionary<string, AttributeValue> { [":pk"] = AttributeValue.Of(partition), [":prefix"] = AttributeValue.Of(prefix) },
                ScanIndexForward: false, Limit: limit - items.Count, ConsistentRead: true, start), ct);
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        } while (start is not null && items.Count < limit);
        return items;
    }
}
