using Slipway.Cloud.Aws;
using Slipway.Common;
using Slipway.Output;

namespace Slipway.Platforms.Aws;

/// <summary>What applying the template would change, and whether anything would.</summary>
public sealed record StackPlan(bool Creates, IReadOnlyList<ResourceChange> Changes);

/// <summary>
/// Applies a template through change sets and waits, streaming stack events as progress. A failed operation
/// is reported with the failing resources and their reasons.
/// </summary>
public sealed class StackOperations(CloudFormationClient cloudFormation, TimeProvider time)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(45);

    /// <summary>Creates a change set and waits until it is ready; null when it changes nothing (it is then deleted).</summary>
    public async Task<(string Name, StackPlan Plan)?> PrepareAsync(string stack, bool create, string template,
        IReadOnlyList<StackParameter> parameters, CancellationToken ct)
    {
        var name = $"slipway-{time.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        await cloudFormation.CreateChangeSetAsync(stack, name, template, parameters, create, ct);
        var started = time.GetTimestamp();
        while (true)
        {
            var changeSet = await cloudFormation.DescribeChangeSetAsync(stack, name, ct);
            if (changeSet.Status == "CREATE_COMPLETE") return (name, new StackPlan(create, changeSet.Changes));
            if (changeSet.IsEmpty)
            {
                await cloudFormation.DeleteChangeSetAsync(stack, name, ct);
                return null;
            }
            if (changeSet.Status == "FAILED")
                throw new SlipwayException(ErrorCode.StackFailed, $"CloudFormation rejected the change set: {changeSet.StatusReason}",
                    "the template is generated from the manifest: check the aws: settings, then run again");
            if (time.GetElapsedTime(started) > TimeSpan.FromMinutes(5))
                throw new SlipwayException(ErrorCode.StackFailed, $"change set {name} was not ready after 5 minutes", "run again");
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
        }
    }

    public async Task ExecuteAsync(string stack, string changeSet, IStageLog log, CancellationToken ct)
    {
        var since = time.GetUtcNow().AddSeconds(-5);
        await cloudFormation.ExecuteChangeSetAsync(stack, changeSet, ct);
        var final = await WaitAsync(stack, since, log, ct);
        if (final is null || !final.IsComplete || final.Status == "UPDATE_ROLLBACK_COMPLETE")
            throw await FailureAsync(stack, final, since, ct);
    }

    /// <summary>Waits while the stack is in progress, printing its new events; returns its final state (null once deleted).</summary>
    public async Task<Stack?> WaitAsync(string stack, DateTimeOffset since, IStageLog log, CancellationToken ct)
    {
        var seen = new HashSet<string>();
        var started = time.GetTimestamp();
        while (true)
        {
            var current = await cloudFormation.DescribeStackAsync(stack, ct);
            if (current is not null)
            {
                var events = await cloudFormation.DescribeStackEventsAsync(current.Id.Length > 0 ? current.Id : stack, ct);
                foreach (var e in events.Where(e => e.Timestamp >= since && seen.Add(e.Id)).OrderBy(e => e.Timestamp))
                    log.Info($"{e.LogicalId} ({e.ResourceType}): {e.Status}{(e.Reason is { Length: > 0 } r ? $" - {r}" : "")}");
            }
            if (current is null || current.Status == "DELETE_COMPLETE" || !current.IsInProgress) return current;
            if (time.GetElapsedTime(started) > Limit)
                throw new SlipwayException(ErrorCode.StackFailed, $"stack {stack} is still {current.Status} after {Limit.TotalMinutes} minutes",
                    "watch it in the CloudFormation console; run again when it has settled");
            await Task.Delay(PollInterval, time, ct);
        }
    }

    public async Task<SlipwayException> FailureAsync(string stack, Stack? final, DateTimeOffset since, CancellationToken ct) =>
        Failure(stack, final, final is null ? [] : await cloudFormation.DescribeStackEventsAsync(final.Id, ct), since);

    /// <summary>Pure: the error for a failed stack operation, naming each failing resource and its reason.</summary>
    public static SlipwayException Failure(string stack, Stack? final, IReadOnlyList<StackEvent> events, DateTimeOffset since)
    {
        var failures = events.Where(e => e.Timestamp >= since && e.Status.EndsWith("_FAILED", StringComparison.Ordinal)
                                         && e.ResourceType != "AWS::CloudFormation::Stack")
            .OrderBy(e => e.Timestamp).Select(e => $"{e.LogicalId} ({e.ResourceType}): {e.Reason}").Distinct().ToList();
        var detail = failures.Count > 0 ? string.Join("; ", failures) : final?.StatusReason ?? "the stack disappeared";
        return new SlipwayException(ErrorCode.StackFailed, $"stack {stack} ended {final?.Status ?? "deleted"}: {detail}",
            "fix the cause (permissions, limits, the aws: settings), then run up again: it resumes from the stack's state");
    }
}
