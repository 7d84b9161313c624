using Slipway.Cloud.Aws;
using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>
/// The stack holding the app's volumes' file system (<see cref="StackTemplate.DataTemplate"/>): made before the app's stack, which
/// imports its ID, left by <c>destroy</c>, found again by name by the next <c>up</c>, and deleted only by <c>destroy --volumes</c>
/// once the app's stack (its importer) is gone.
/// </summary>
internal sealed class AwsDataStack(CloudFormationClient cloudFormation, StackOperations stacks, AwsEndpointProfile profile)
{
    /// <summary>Creates the data stack when the app has volumes and it does not exist; a first create that failed (it held no data) is made again.</summary>
    public async Task EnsureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        if (app.Volumes.Count == 0) return;
        var name = StackTemplate.DataStackName(app);
        var stack = await cloudFormation.DescribeStackAsync(name, ct);
        if (stack is { IsInProgress: true })
        {
            log.Info($"stack {name} is {stack.Status}: waiting for it to settle");
            stack = (await stacks.WaitAsync(name, await cloudFormation.NewestEventIdAsync(name, ct), log, ct)).Final;
        }
        if (stack is { Status: "ROLLBACK_COMPLETE" or "REVIEW_IN_PROGRESS" })
        {
            await stacks.DeleteAsync(name, log, ct);
            stack = null;
        }
        if (stack is not null) return; // its template never changes: the file system stays as it was made
        log.Info($"creating stack {name}: an encrypted EFS file system for volumes {string.Join(", ", app.Volumes.Select(v => v.Name))}");
        if (profile.ChangeSetsGiveNoOutputs)
        {
            await cloudFormation.CreateStackAsync(name, StackTemplate.DataTemplate(app), $"slipway-{Guid.NewGuid():N}", ct);
            var (final, events, _) = await stacks.WaitAsync(name, cursor: null, log, ct);
            if (final is not { Status: "CREATE_COMPLETE" }) throw StackOperations.Failure(name, final, events);
            return;
        }
        var prepared = await stacks.PrepareAsync(name, create: true, StackTemplate.DataTemplate(app), ct,
                new Dictionary<string, string> { [AwsPlatform.HoldsTag] = "volumes" })
            ?? throw new SlipwayException(ErrorCode.StackFailed, $"stack {name}: CloudFormation saw nothing to create", "run up again");
        await stacks.ExecuteAsync(name, prepared.Name, log, ct);
    }

    /// <summary>The file system's ID; null when the app has no data stack.</summary>
    public async Task<string?> FileSystemAsync(AppManifest app, CancellationToken ct) =>
        (await cloudFormation.DescribeStackAsync(StackTemplate.DataStackName(app), ct))?.Output(StackTemplate.FileSystemParameter);

    /// <summary>Deletes the data stack and its file system (every volume's data); refused while the app's stack, which mounts it, exists.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var name = StackTemplate.DataStackName(app);
        if (await cloudFormation.DescribeStackAsync(name, ct) is not { } stack) return [];
        if (await cloudFormation.DescribeStackAsync(StackTemplate.StackName(app), ct) is not null)
            throw new SlipwayException(ErrorCode.StackFailed, $"stack {name} holds the volumes of stack {StackTemplate.StackName(app)}, which still exists",
                "destroy the app first (slipway destroy --volumes does both, in order)");
        var fileSystem = stack.Output(StackTemplate.FileSystemParameter);
        await stacks.DeleteAsync(name, log, ct);
        return [$"stack {name} with file system {fileSystem ?? "(none)"} and the data of volumes {string.Join(", ", app.Volumes.Select(v => v.Name))}"];
    }
}
