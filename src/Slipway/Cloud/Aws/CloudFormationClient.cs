using System.Globalization;
using System.Xml.Linq;

namespace Slipway.Cloud.Aws;

public sealed record StackParameter(string Key, string Value);

public sealed record StackOutput(string Key, string Value);

public sealed record Stack(string Name, string Id, string Status, string? StatusReason, IReadOnlyList<StackOutput> Outputs,
    IReadOnlyList<StackParameter> Parameters, string? DriftStatus = null)
{
    public string? Output(string key) => Outputs.FirstOrDefault(o => o.Key == key)?.Value;
    public bool IsComplete => Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_ROLLBACK_COMPLETE" or "IMPORT_COMPLETE";
    public bool IsInProgress => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
    public bool IsFailed => Status is "CREATE_FAILED" or "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "DELETE_FAILED" or "UPDATE_ROLLBACK_FAILED";
}

public sealed record PropertyDifference(string Path, string? Expected, string? Actual, string Kind);

public sealed record ResourceDrift(string LogicalId, string ResourceType, string Status, IReadOnlyList<PropertyDifference> Differences);

public sealed record DriftDetection(string Status, string? StackDriftStatus, string? Reason, int DriftedResources);

public sealed record StackEvent(string Id, DateTimeOffset Timestamp, string LogicalId, string ResourceType, string Status, string? Reason);

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

    public async Task<string> CreateChangeSetAsync(string stackName, string changeSetName, string templateBody,
        IReadOnlyList<StackParameter> parameters, bool create, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("StackName", stackName), new("ChangeSetName", changeSetName), new("TemplateBody", templateBody),
            new("ChangeSetType", create ? "CREATE" : "UPDATE"),
            new("Capabilities.member.1", "CAPABILITY_IAM"),
        };
        for (var i = 0; i < parameters.Count; i++)
        {
            form.Add(new($"Parameters.member.{i + 1}.ParameterKey", parameters[i].Key));
            form.Add(new($"Parameters.member.{i + 1}.ParameterValue", parameters[i].Value));
        }
        form.Add(new("Tags.member.1.Key", "slipway:stack"));
        form.Add(new("Tags.member.1.Value", stackName));
        var result = await query.CallAsync("CreateChangeSet", form, ct);
        return (string?)result.Element("Id") ?? changeSetName;
    }

    public async Task<ChangeSet> DescribeChangeSetAsync(string stackName, string changeSet, CancellationToken ct)
    {
        var r = await query.CallAsync("DescribeChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSet)], ct);
        var changes = r.Element("Changes")?.Elements("member").Select(m => m.Element("ResourceChange")).OfType<XElement>()
            .Select(c => new ResourceChange((string?)c.Element("Action") ?? "?", (string?)c.Element("LogicalResourceId") ?? "?",
                (string?)c.Element("ResourceType") ?? "?", (string?)c.Element("Replacement"))).ToList() ?? [];
        return new ChangeSet((string?)r.Element("ChangeSetId") ?? changeSet, (string?)r.Element("Status") ?? "UNKNOWN",
            (string?)r.Element("StatusReason"), (string?)r.Element("ExecutionStatus") ?? "UNAVAILABLE", changes);
    }

    public Task ExecuteChangeSetAsync(string stackName, string changeSet, CancellationToken ct) =>
        query.CallAsync("ExecuteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSet)], ct);

    public Task DeleteChangeSetAsync(string stackName, string changeSet, CancellationToken ct) =>
        query.CallAsync("DeleteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSet)], ct);

    public Task DeleteStackAsync(string stackName, CancellationToken ct) =>
        query.CallAsync("DeleteStack", [new("StackName", stackName)], ct);

    /// <summary>The stack's events, newest first (first page).</summary>
    public async Task<IReadOnlyList<StackEvent>> DescribeStackEventsAsync(string stackName, CancellationToken ct)
    {
        var r = await query.CallAsync("DescribeStackEvents", [new("StackName", stackName)], ct);
        return r.Element("StackEvents")?.Elements("member").Select(e => new StackEvent(
            (string?)e.Element("EventId") ?? "",
            DateTimeOffset.Parse((string?)e.Element("Timestamp") ?? "1970-01-01T00:00:00Z", CultureInfo.InvariantCulture),
            (string?)e.Element("LogicalResourceId") ?? "", (string?)e.Element("ResourceType") ?? "",
            (string?)e.Element("ResourceStatus") ?? "", (string?)e.Element("ResourceStatusReason"))).ToList() ?? [];
    }

    internal static Stack ParseStack(XElement s) => new(
        (string?)s.Element("StackName") ?? "", (string?)s.Element("StackId") ?? "", (string?)s.Element("StackStatus") ?? "",
        (string?)s.Element("StackStatusReason"),
        s.Element("Outputs")?.Elements("member").Select(o => new StackOutput((string?)o.Element("OutputKey") ?? "", (string?)o.Element("OutputValue") ?? "")).ToList() ?? [],
        s.Element("Parameters")?.Elements("member").Select(p => new StackParameter((string?)p.Element("ParameterKey") ?? "", (string?)p.Element("ParameterValue") ?? "")).ToList() ?? [],
        (string?)s.Element("DriftInformation")?.Element("StackDriftStatus"));

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
