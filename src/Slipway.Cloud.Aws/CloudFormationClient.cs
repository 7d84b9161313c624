using System.Globalization;
using System.Xml.Linq;

namespace Slipway.Cloud.Aws;

public sealed record StackParameter(string Key, string Value);

public sealed record StackOutput(string Key, string Value);

public sealed record Stack(string Name, string Id, string Status, string? StatusReason, IReadOnlyList<StackOutput> Outputs,
    IReadOnlyList<StackParameter> Parameters, string? DriftStatus = null)
{
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>When it was last updated (or created, if never updated).</summary>
    public DateTimeOffset? ChangedAt { get; init; }

    public string? Output(string key) => Outputs.FirstOrDefault(o => o.Key == key)?.Value;
    public bool IsComplete => Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_ROLLBACK_COMPLETE" or "IMPORT_COMPLETE";
    public bool IsInProgress => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
    public bool IsFailed => Status is "CREATE_FAILED" or "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "DELETE_FAILED" or "UPDATE_ROLLBACK_FAILED";
}

public sealed record PropertyDifference(string Path, string? Expected, string? Actual, string Kind);

public sealed record ResourceDrift(string LogicalId, string ResourceType, string Status, IReadOnlyList<PropertyDifference> Differences);

public sealed record DriftDetection(string Status, string? StackDriftStatus, string? Reason, int DriftedResources);

public sealed record StackEvent(string Id, DateTimeOffset Timestamp, string LogicalId, string ResourceType, string Status, string? Reason,
    string? ClientRequestToken = null);

public sealed record ResourceChange(string Action, string LogicalId, string ResourceType, string? Replacement);

public sealed record ChangeSet(string Id, string Status, string? StatusReason, string ExecutionStatus, IReadOnlyList<ResourceChange> Changes)
{
    /// <summary>CloudFormation fails a change set that changes nothing; that is a no-op, not an error.</summary>
    public bool IsEmpty => Status == "FAILED" && (StatusReason?.Contains("didn't contain changes", StringComparison.Ordinal) == true
                                                  || StatusReason?.Contains("No updates are to be performed", StringComparison.Ordinal) == true);
}

/// <summary>The CloudFormation operations Slipway uses, over the query protocol (API 2010-05-15).</summary>
public sealed class CloudFormationClient(AwsQueryClient query)
{
    public static CloudFormationClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsQueryClient(new AwsHttp(settings, "cloudformation", settings.EndpointFor("cloudformation", "CloudFormation"), time),
            "CloudFormation", "2010-05-15"));

    /// <summary>Null when the stack does not exist.</summary>
    public async Task<Stack?> DescribeStackAsync(string name, CancellationToken ct)
    {
        try
        {
            var result = await query.CallAsync("DescribeStacks", [new("StackName", name)], ct);
            return result.Element("Stacks")?.Elements("member").Select(ParseStack).FirstOrDefault();
        }
        catch (AwsServiceException e) when (e.Code == "ValidationError" && e.AwsMessage.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>
    /// A change set of a whole template: every value is rendered into it, but for the <paramref name="parameters"/> it declares (a null
    /// value: the stack's current one, <c>UsePreviousValue</c>).
    /// </summary>
    /// <param name="tags">The stack's tags besides <c>slipway:stack</c> (CloudFormation puts them on its resources too).</param>
    public async Task<string> CreateChangeSetAsync(string stackName, string changeSetName, string templateBody, bool create, CancellationToken ct,
        IReadOnlyDictionary<string, string?>? parameters = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("StackName", stackName), new("ChangeSetName", changeSetName), new("TemplateBody", templateBody),
            new("ChangeSetType", create ? "CREATE" : "UPDATE"),
            new("ClientToken", changeSetName), // a retried call then creates no second change set
            new("Capabilities.member.1", "CAPABILITY_IAM"),
        };
        form.Add(new("Tags.member.1.Key", "slipway:stack"));
        form.Add(new("Tags.member.1.Value", stackName));
        var t = 1;
        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            t++;
            form.Add(new($"Tags.member.{t}.Key", key));
            form.Add(new($"Tags.member.{t}.Value", value));
        }
        var n = 0;
        foreach (var (key, value) in parameters ?? new Dictionary<string, string?>())
        {
            n++;
            form.Add(new($"Parameters.member.{n}.ParameterKey", key));
            form.Add(value is null ? new($"Parameters.member.{n}.UsePreviousValue", "true") : new($"Parameters.member.{n}.ParameterValue", value));
        }
        var result = await query.CallAsync("CreateChangeSet", form, ct);
        return (string?)result.Element("Id") ?? changeSetName;
    }

    /// <summary>The change set with every page of its changes.</summary>
    public async Task<ChangeSet> DescribeChangeSetAsync(string stackName, string changeSet, CancellationToken ct)
    {
        var changes = new List<ResourceChange>();
        string? next = null;
        while (true)
        {
            var form = new List<KeyValuePair<string, string>> { new("StackName", stackName), new("ChangeSetName", changeSet) };
            if (next is not null) form.Add(new("NextToken", next));
            var r = await query.CallAsync("DescribeChangeSet", form, ct);
            changes.AddRange(r.Element("Changes")?.Elements("member").Select(m => m.Element("ResourceChange")).OfType<XElement>()
                .Select(c => new ResourceChange((string?)c.Element("Action") ?? "?", (string?)c.Element("LogicalResourceId") ?? "?",
                    (string?)c.Element("ResourceType") ?? "?", (string?)c.Element("Replacement"))) ?? []);
            next = (string?)r.Element("NextToken");
            if (string.IsNullOrEmpty(next))
                return new ChangeSet((string?)r.Element("ChangeSetId") ?? changeSet, (string?)r.Element("Status") ?? "UNKNOWN",
                    (string?)r.Element("StatusReason"), (string?)r.Element("ExecutionStatus") ?? "UNAVAILABLE", changes);
        }
    }

    /// <param name="token">Stamped on every event of the operation (a retried call with the same token is not run twice).</param>
    public Task ExecuteChangeSetAsync(string stackName, string changeSet, string token, CancellationToken ct) =>
        query.CallAsync("ExecuteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSet), new("ClientRequestToken", token)], ct);

    public Task DeleteChangeSetAsync(string stackName, string changeSet, CancellationToken ct) =>
        query.CallAsync("DeleteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSet)], ct);

    /// <summary>Creates a stack at once, without a change set to review first.</summary>
    public Task CreateStackAsync(string stackName, string templateBody, string token, CancellationToken ct) =>
        query.CallAsync("CreateStack", [new("StackName", stackName), new("TemplateBody", templateBody), new("ClientRequestToken", token),
            new("Tags.member.1.Key", "slipway:stack"), new("Tags.member.1.Value", stackName)], ct);

    public Task DeleteStackAsync(string stackName, string token, CancellationToken ct) =>
        query.CallAsync("DeleteStack", [new("StackName", stackName), new("ClientRequestToken", token)], ct);

    /// <summary>Stops an update in progress: CloudFormation rolls the stack back to the template before it.</summary>
    public Task CancelUpdateStackAsync(string stackName, string token, CancellationToken ct) =>
        query.CallAsync("CancelUpdateStack", [new("StackName", stackName), new("ClientRequestToken", token)], ct);

    /// <summary>Resumes a rollback that stopped at UPDATE_ROLLBACK_FAILED (a resource that could not be put back, e.g. for a limit).</summary>
    public Task ContinueUpdateRollbackAsync(string stackName, string token, CancellationToken ct) =>
        query.CallAsync("ContinueUpdateRollback", [new("StackName", stackName), new("ClientRequestToken", token)], ct);

    /// <summary>The template the stack was last created or updated with, as it was sent.</summary>
    public async Task<string?> GetTemplateAsync(string stackName, CancellationToken ct) =>
        (string?)(await query.CallAsync("GetTemplate", [new("StackName", stackName), new("TemplateStage", "Original")], ct)).Element("TemplateBody");

    /// <summary>The physical ID of each of the stack's resources, by logical ID (a role's name, a subnet's or security group's ID).</summary>
    public async Task<IReadOnlyDictionary<string, string>> DescribeStackResourcesAsync(string stackName, CancellationToken ct) =>
        (await query.CallAsync("DescribeStackResources", [new("StackName", stackName)], ct))
            .Element("StackResources")?.Elements("member")
            .Where(r => (string?)r.Element("PhysicalResourceId") is { Length: > 0 })
            .ToDictionary(r => (string?)r.Element("LogicalResourceId") ?? "", r => (string)r.Element("PhysicalResourceId")!)
        ?? new Dictionary<string, string>();

    /// <summary>The ID of the stack's newest event: where the events of an operation about to start begin.</summary>
    public async Task<string?> NewestEventIdAsync(string stackName, CancellationToken ct) =>
        (string?)(await query.CallAsync("DescribeStackEvents", [new("StackName", stackName)], ct))
            .Element("StackEvents")?.Elements("member").FirstOrDefault()?.Element("EventId");

    /// <summary>
    /// The stack's events newer than <paramref name="after"/> (an event ID; null: all), newest first. Events come
    /// newest first a page at a time, so pages are read until that event appears, or to the end.
    /// </summary>
    public async Task<IReadOnlyList<StackEvent>> DescribeStackEventsAsync(string stackName, string? after, CancellationToken ct)
    {
        var events = new List<StackEvent>();
        string? next = null;
        while (true)
        {
            var form = new List<KeyValuePair<string, string>> { new("StackName", stackName) };
            if (next is not null) form.Add(new("NextToken", next));
            var r = await query.CallAsync("DescribeStackEvents", form, ct);
            foreach (var e in r.Element("StackEvents")?.Elements("member") ?? [])
            {
                var parsed = new StackEvent(
                    (string?)e.Element("EventId") ?? "",
                    DateTimeOffset.Parse((string?)e.Element("Timestamp") ?? "1970-01-01T00:00:00Z", CultureInfo.InvariantCulture),
                    (string?)e.Element("LogicalResourceId") ?? "", (string?)e.Element("ResourceType") ?? "",
                    (string?)e.Element("ResourceStatus") ?? "", (string?)e.Element("ResourceStatusReason"),
                    (string?)e.Element("ClientRequestToken"));
                if (after is not null && parsed.Id == after) return events;
                events.Add(parsed);
            }
            next = (string?)r.Element("NextToken");
            if (string.IsNullOrEmpty(next)) return events;
        }
    }

    internal static Stack ParseStack(XElement s) => new(
        (string?)s.Element("StackName") ?? "", (string?)s.Element("StackId") ?? "", (string?)s.Element("StackStatus") ?? "",
        (string?)s.Element("StackStatusReason"),
        s.Element("Outputs")?.Elements("member").Select(o => new StackOutput((string?)o.Element("OutputKey") ?? "", (string?)o.Element("OutputValue") ?? "")).ToList() ?? [],
        s.Element("Parameters")?.Elements("member").Select(p => new StackParameter((string?)p.Element("ParameterKey") ?? "", (string?)p.Element("ParameterValue") ?? "")).ToList() ?? [],
        (string?)s.Element("DriftInformation")?.Element("StackDriftStatus"))
    {
        Tags = s.Element("Tags")?.Elements("member").GroupBy(t => (string?)t.Element("Key") ?? "")
            .ToDictionary(g => g.Key, g => (string?)g.First().Element("Value") ?? "") ?? new Dictionary<string, string>(),
        ChangedAt = Time(s.Element("LastUpdatedTime")) ?? Time(s.Element("CreationTime")),
    };

    private static DateTimeOffset? Time(XElement? element) =>
        element is not null && DateTimeOffset.TryParse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>Every stack of the account and region that exists (DescribeStacks without a name, every page).</summary>
    public async Task<IReadOnlyList<Stack>> DescribeAllStacksAsync(CancellationToken ct)
    {
        var stacks = new List<Stack>();
        string? next = null;
        do
        {
            var form = new List<KeyValuePair<string, string>>();
            if (next is not null) form.Add(new("NextToken", next));
            var r = await query.CallAsync("DescribeStacks", form, ct);
            stacks.AddRange(r.Element("Stacks")?.Elements("member").Select(ParseStack) ?? []);
            next = (string?)r.Element("NextToken");
        } while (!string.IsNullOrEmpty(next));
        return stacks;
    }

    /// <summary>Starts drift detection; returns its id.</summary>
    public async Task<string> DetectStackDriftAsync(string stackName, CancellationToken ct) =>
        (string?)(await query.CallAsync("DetectStackDrift", [new("StackName", stackName)], ct)).Element("StackDriftDetectionId")
        ?? throw new AwsServiceException("CloudFormation", "NoDetectionId", "DetectStackDrift returned no id", 500);

    public async Task<DriftDetection> DescribeDriftDetectionAsync(string detectionId, CancellationToken ct)
    {
        var r = await query.CallAsync("DescribeStackDriftDetectionStatus", [new("StackDriftDetectionId", detectionId)], ct);
        return new DriftDetection((string?)r.Element("DetectionStatus") ?? "UNKNOWN", (string?)r.Element("StackDriftStatus"),
            (string?)r.Element("DetectionStatusReason"), (int?)r.Element("DriftedStackResourceCount") ?? 0);
    }

    /// <summary>The resources that differ from the template (modified or deleted), with each property difference.</summary>
    public async Task<IReadOnlyList<ResourceDrift>> DescribeResourceDriftsAsync(string stackName, CancellationToken ct)
    {
        var r = await query.CallAsync("DescribeStackResourceDrifts",
            [new("StackName", stackName), new("StackResourceDriftStatusFilters.member.1", "MODIFIED"), new("StackResourceDriftStatusFilters.member.2", "DELETED")], ct);
        return r.Element("StackResourceDrifts")?.Elements("member").Select(d => new ResourceDrift(
            (string?)d.Element("LogicalResourceId") ?? "?", (string?)d.Element("ResourceType") ?? "?",
            (string?)d.Element("StackResourceDriftStatus") ?? "?",
            d.Element("PropertyDifferences")?.Elements("member").Select(p => new PropertyDifference(
                (string?)p.Element("PropertyPath") ?? "?", (string?)p.Element("ExpectedValue"), (string?)p.Element("ActualValue"),
                (string?)p.Element("DifferenceType") ?? "?")).ToList() ?? [])).ToList() ?? [];
    }
}
