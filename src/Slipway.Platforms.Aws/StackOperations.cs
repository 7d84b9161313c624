using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>What applying the template would change, and whether anything would.</summary>
public sealed record StackPlan(bool Creates, IReadOnlyList<ResourceChange> Changes);

/// <summary>
/// Applies a template through change sets and waits, streaming the operation's stack events as progress. An
/// operation's events are told apart by AWS's own event IDs (everything newer than the newest event before it
/// started), never by this machine's clock. A failed operation is reported with the failing resources and their
/// reasons; a rollback that itself failed is continued first, so the stack is left usable.
/// </summary>
/// <param name="tags">Tags every stack of this app carries besides <c>slipway:stack</c> (a preview's); given with each change set.</param>
/// <param name="parameterValues">Values of the parameters a template may declare besides the file system's (the notify webhook).</param>
public sealed class StackOperations(CloudFormationClient cloudFormation, TimeProvider time, AwsEndpointProfile profile,
    IReadOnlyDictionary<string, string>? tags = null, IReadOnlyDictionary<string, string>? parameterValues = null)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(45);

    // One command reads a stack's template from CloudFormation once: each change set executed here records the template
    // it applied, a delete records none, and a failed operation forgets (the stack's state is then CloudFormation's to say).
    private readonly Dictionary<string, string?> _deployed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _prepared = new(StringComparer.Ordinal);

    /// <summary>The template the stack was last updated with; null while there is no stack that ever served (none, or a failed or never-executed create).</summary>
    public async Task<string?> DeployedTemplateAsync(string stack, CancellationToken ct)
    {
        if (_deployed.TryGetValue(stack, out var known)) return known;
        var template = await cloudFormation.DescribeStackAsync(stack, ct) is null or { Status: "ROLLBACK_COMPLETE" or "REVIEW_IN_PROGRESS" }
            ? null : await cloudFormation.GetTemplateAsync(stack, ct);
        _deployed[stack] = template;
        return template;
    }

    /// <summary>Creates a change set and waits until it is ready; null when it changes nothing (it is then deleted).</summary>
    /// <param name="moreTags">Tags of this stack only, besides the app's.</param>
    public async Task<(string Name, StackPlan Plan)?> PrepareAsync(string stack, bool create, string template, CancellationToken ct,
        IReadOnlyDictionary<string, string>? moreTags = null)
    {
        var size = System.Text.Encoding.UTF8.GetByteCount(template);
        if (size > StackTemplate.InlineLimit)
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"the stack's template is {size:N0} bytes, over the {StackTemplate.InlineLimit:N0} CloudFormation takes inline; nothing was changed",
                "fewer processes or variables make it smaller (slipway package shows it); templates sent through S3 are not supported yet");
        var name = $"slipway-{time.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var allTags = new Dictionary<string, string>(tags ?? new Dictionary<string, string>());
        foreach (var (key, value) in moreTags ?? new Dictionary<string, string>()) allTags[key] = value;
        await cloudFormation.CreateChangeSetAsync(stack, name, template, create, ct, await ParametersAsync(stack, template, create, ct), allTags);
        var ready = await Poll.UntilAsync(async token =>
        {
            var changeSet = await cloudFormation.DescribeChangeSetAsync(stack, name, token);
            if (changeSet.Status == "FAILED" && !changeSet.IsEmpty)
                throw new SlipwayException(ErrorCode.StackFailed, $"CloudFormation rejected the change set: {changeSet.StatusReason}",
                    "the template is generated from the manifest: check the aws: settings, then run again");
            return new Attempt<ChangeSet>(changeSet.Status == "CREATE_COMPLETE" || changeSet.IsEmpty, changeSet);
        }, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), time,
            _ => new SlipwayException(ErrorCode.StackFailed, $"change set {name} was not ready after 5 minutes", "run again"), ct);
        if (!ready.IsEmpty)
        {
            _prepared[name] = template;
            return (name, new StackPlan(create, ready.Changes));
        }
        await cloudFormation.DeleteChangeSetAsync(stack, name, ct);
        return null;
    }

    /// <summary>
    /// The values of the parameters a template declares: the volumes' file system, read from the data stack's output each time (so
    /// the app's template stays a function of the manifest and a stack made again finds its data again), and the values given.
    /// </summary>
    /// <remarks>
    /// A value this run was not given (the notify webhook's variable, unset for a command other than <c>up</c>) keeps the stack's
    /// own; only a stack being created needs it.
    /// </remarks>
    private async Task<IReadOnlyDictionary<string, string?>?> ParametersAsync(string stack, string template, bool create, CancellationToken ct)
    {
        if (System.Text.Json.Nodes.JsonNode.Parse(template)?["Parameters"] is not System.Text.Json.Nodes.JsonObject declared) return null;
        var values = new Dictionary<string, string?>();
        foreach (var (name, _) in declared)
        {
            if (name == StackTemplate.FileSystemParameter)
            {
                var data = StackTemplate.DataStackOf(stack);
                values[name] = (await cloudFormation.DescribeStackAsync(data, ct))?.Output(StackTemplate.FileSystemParameter)
                    ?? throw new SlipwayException(ErrorCode.StackFailed, $"stack {data}, which holds the app's volumes, does not exist or has no file system",
                        "run slipway up -e aws: it makes the volumes' stack before the app's");
            }
            else
            {
                values[name] = parameterValues?.GetValueOrDefault(name)
                    ?? (create ? throw new SlipwayException(ErrorCode.InvalidSetting, $"the stack's template needs {name}, which this run was not given", "run slipway up -e aws")
                        : null);
            }
        }
        return values;
    }

    /// <summary>Executes a change set and waits for the stack to settle; throws the failure when it did not complete.</summary>
    /// <param name="watch">Asked while an update runs: a reason to give it up (CloudFormation then rolls the stack back), or null.</param>
    public async Task ExecuteAsync(string stack, string changeSet, IStageLog log, CancellationToken ct, Func<CancellationToken, Task<string?>>? watch = null)
    {
        _deployed.Remove(stack);
        var cursor = await cloudFormation.NewestEventIdAsync(stack, ct);
        await cloudFormation.ExecuteChangeSetAsync(stack, changeSet, Token(), ct);
        var (final, events, cancelled) = await WaitAsync(stack, cursor, log, ct, watch);
        if (final is { Status: "UPDATE_ROLLBACK_FAILED" })
        {
            // Left like this the stack accepts no update: finish the rollback, then report the original failure.
            log.Warn($"stack {stack}: the rollback failed; continuing it");
            await cloudFormation.ContinueUpdateRollbackAsync(stack, Token(), ct);
            var (settled, more, _) = await WaitAsync(stack, events.FirstOrDefault()?.Id ?? cursor, log, ct);
            throw Failure(stack, settled, [.. more, .. events], cancelled);
        }
        if (final is null || !final.IsComplete || final.Status == "UPDATE_ROLLBACK_COMPLETE")
            throw Failure(stack, final, events, cancelled);
        if (_prepared.Remove(changeSet, out var applied)) _deployed[stack] = applied;
    }

    /// <summary>Deletes the stack and waits; the failure names the resources that blocked the delete (a retry is safe).</summary>
    public async Task DeleteAsync(string stack, IStageLog log, CancellationToken ct)
    {
        _deployed.Remove(stack);
        var cursor = await cloudFormation.NewestEventIdAsync(stack, ct);
        try
        {
            await cloudFormation.DeleteStackAsync(stack, Token(), ct);
        }
        catch (AwsServiceException e) when (profile.DeleteStackErrorsAreNotFinal && !e.IsAccessDenied && !e.IsThrottling)
        {
            log.Warn($"the delete answered {e.Code}: {e.AwsMessage}");
        }
        var (final, events, _) = await WaitAsync(stack, cursor, log, ct);
        if (final is not null && final.Status != "DELETE_COMPLETE") throw Failure(stack, final, events);
        _deployed[stack] = null;
    }

    /// <summary>
    /// Waits while the stack is in progress, printing each new event once; returns its final state (null once
    /// deleted), the events after <paramref name="cursor"/>, newest first, and why Slipway cancelled the update, if it did.
    /// </summary>
    /// <param name="watch">Asked every <see cref="WatchEvery"/> polls while an update runs; a reason it gives cancels the update, once.</param>
    public async Task<StackWait> WaitAsync(string stack, string? cursor, IStageLog log, CancellationToken ct,
        Func<CancellationToken, Task<string?>>? watch = null)
    {
        var seen = new List<StackEvent>();
        var id = stack;
        var (polls, cancelled) = (0, (string?)null);
        var final = await Poll.UntilAsync(async token =>
        {
            var current = await cloudFormation.DescribeStackAsync(id, token);
            if (current is not null)
            {
                id = current.Id.Length > 0 ? current.Id : id; // the ID still answers once the stack is deleted
                var fresh = await cloudFormation.DescribeStackEventsAsync(id, seen.FirstOrDefault()?.Id ?? cursor, token);
                foreach (var e in fresh.Reverse())
                    log.Info($"{e.LogicalId} ({e.ResourceType}): {e.Status}{(e.Reason is { Length: > 0 } r ? $" - {r}" : "")}");
                seen.InsertRange(0, fresh);
            }
            if (watch is not null && cancelled is null && current is { Status: "UPDATE_IN_PROGRESS" } && polls++ % WatchEvery == 0
                && await watch(token) is { } reason)
            {
                log.Warn($"stack {stack}: {reason}; cancelling the update");
                await cloudFormation.CancelUpdateStackAsync(id, Token(), token);
                cancelled = reason;
            }
            return new Attempt<Stack?>(current is null || current.Status == "DELETE_COMPLETE" || !current.IsInProgress, current);
        }, PollInterval, Limit, time,
            last => new SlipwayException(ErrorCode.StackFailed, $"stack {stack} is still {last?.Status} after {Limit.TotalMinutes} minutes",
                "watch it in the CloudFormation console; run again when it has settled"), ct);
        return new StackWait(final, seen, cancelled);
    }

    /// <summary>How often, in polls, a watch is asked: its calls (ECS's services and stopped tasks) cost more than a poll's.</summary>
    public const int WatchEvery = 5;

    /// <summary>Pure: the error for a failed stack operation, naming each failing resource and its reason, or why Slipway cancelled it.</summary>
    public static SlipwayException Failure(string stack, Stack? final, IReadOnlyList<StackEvent> events, string? cancelled = null)
    {
        var failed = FailedResources(events);
        var failures = failed.Select(e => $"{e.LogicalId} ({e.ResourceType}): {e.Reason}").Distinct().ToList();
        var detail = cancelled is not null ? $"Slipway cancelled the update: {cancelled}"
            : failures.Count > 0 ? string.Join("; ", failures) : final?.StatusReason ?? "the stack disappeared";
        return new SlipwayException(ErrorCode.StackFailed, $"stack {stack} ended {final?.Status ?? "deleted"}: {detail}",
            final?.Status == "DELETE_FAILED"
                ? "remove or release what holds those resources (see the reasons), then run destroy again: it resumes the delete"
                : "fix the cause (permissions, limits, the aws: settings), then run up again: it resumes from the stack's state",
            new StackOperationFailedException(failed, cancelled));
    }

    /// <summary>The resources whose operation failed, oldest first (the first is usually the cause, the rest its consequences).</summary>
    public static IReadOnlyList<StackEvent> FailedResources(IReadOnlyList<StackEvent> events) =>
        events.Where(e => e.Status.EndsWith("_FAILED", StringComparison.Ordinal) && e.ResourceType != "AWS::CloudFormation::Stack")
            .OrderBy(e => e.Timestamp).ToList();

    /// <summary>A ClientRequestToken: CloudFormation stamps it on each event of the operation and runs a retried call once.</summary>
    private static string Token() => $"slipway-{Guid.NewGuid():N}";
}

/// <summary>The resources a failed stack operation names, carried inside its <see cref="ErrorCode.StackFailed"/> error for callers to read as data.</summary>
public sealed class StackOperationFailedException(IReadOnlyList<StackEvent> failed, string? cancelled = null) : Exception("a stack operation failed")
{
    /// <summary>Oldest first: the first is usually the cause, the rest its consequences.</summary>
    public IReadOnlyList<StackEvent> Failed { get; } = failed;

    /// <summary>Why Slipway cancelled the update (a watch's reason); null when CloudFormation failed it by itself.</summary>
    public string? Cancelled { get; } = cancelled;
}

/// <summary>How a wait on a stack ended: its final state (null once deleted), the operation's events newest first, and why Slipway cancelled it, if it did.</summary>
public sealed record StackWait(Stack? Final, IReadOnlyList<StackEvent> Events, string? Cancelled);
