using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

public sealed record LogEvent(long Timestamp, string? Message, string? LogStreamName);

/// <summary>The CloudWatch Logs operation Slipway uses, over JSON 1.1 (Logs_20140328).</summary>
public sealed partial class LogsClient(AwsJsonClient json)
{
    private sealed record FilterLogEventsRequest(string LogGroupName, long? StartTime, string? NextToken, int Limit, string? LogStreamNamePrefix);
    private sealed record FilterLogEventsResponse(IReadOnlyList<LogEvent>? Events, string? NextToken);

    /// <summary>The wire types' metadata, generated at build time.</summary>
    [JsonSerializable(typeof(FilterLogEventsRequest))]
    [JsonSerializable(typeof(FilterLogEventsResponse))]
    private sealed partial class LogsWire : JsonSerializerContext;

    public static LogsClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsJsonClient(new AwsHttp(settings, "logs", settings.EndpointFor("logs", "CloudWatch Logs"), time), "CloudWatch Logs", "Logs_20140328",
            LogsWire.Default));

    /// <summary>
    /// Every event of the group since <paramref name="startTime"/> (ms since the epoch), all pages, only of the streams
    /// whose name starts with <paramref name="streamPrefix"/> when given; an absent group has none.
    /// </summary>
    public async Task<IReadOnlyList<LogEvent>> FilterAsync(string group, long? startTime, string? streamPrefix, CancellationToken ct)
    {
        var events = new List<LogEvent>();
        string? next = null;
        try
        {
            do
            {
                var page = await json.CallAsync<FilterLogEventsRequest, FilterLogEventsResponse>("FilterLogEvents",
                    new(group, startTime, next, 10_000, streamPrefix), ct);
                events.AddRange(page.Events ?? []);
                next = page.NextToken;
            } while (next is not null && events.Count < 100_000);
        }
        catch (AwsServiceException e) when (e.Code == "ResourceNotFoundException")
        {
            return [];
        }
        return events;
    }
}
