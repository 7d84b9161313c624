using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>What <c>destroy</c> removes on aws, in the order that leaves a failed destroy resumable.</summary>
internal sealed class AwsTeardown(CloudFormationClient cloudFormation, EcrClient ecr, SsmClient ssm, StackOperations stacks, AwsImages images,
    AwsEndpointProfile profile)
{
    /// <summary>
    /// The stack first (with the repository and its images: EmptyOnDelete), then the secrets it read, then this
    /// machine's images. Anything left after a failed stack delete keeps the service able to start tasks, and
    /// running destroy again resumes the delete.
    /// </summary>
    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var removed = new List<string>();
        var stackName = StackTemplate.StackName(app);
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        if (stack is not null)
        {
            try
            {
                await stacks.DeleteAsync(stackName, log, ct);
            }
            catch (SlipwayException e) when (e.Code == ErrorCode.StackFailed)
            {
                return new DestroyReport(removed, [e.Message]);
            }
            removed.Add($"stack {stackName}, with repository {StackTemplate.RepositoryName(app)} and its images");
        }
        if (profile.RepositoryOutlivesStack && await ecr.DeleteRepositoryAsync(StackTemplate.RepositoryName(app), ct))
            removed.Add($"repository {StackTemplate.RepositoryName(app)} and its images");
        var owned = app.Secrets.Where(s => s.Value.IsReadBySlipway).Select(s => StackTemplate.SecretParameter(app, s.Key)) // never the user's own fromSsm parameters
            .Concat(app.Accessories.SelectMany(a => a.Secrets.Where(s => s.Value.IsReadBySlipway).Select(s => StackTemplate.AccessorySecretParameter(app, a.Name, s.Key))))
            .ToList();
        if (owned.Count > 0)
        {
            await ssm.DeleteAsync(owned, ct);
            removed.Add($"{owned.Count} secret parameter(s) under /slipway/{app.App}/");
        }
        removed.AddRange(await images.RemoveLocalAsync(app, ct));
        var data = await cloudFormation.DescribeStackAsync(StackTemplate.DataStackName(app), ct);
        return new DestroyReport(removed, [])
        {
            Kept = data is null ? [] : [$"stack {data.Name} with file system {data.Output(StackTemplate.FileSystemParameter)} (the data of the app's volumes)"],
        };
    }
}
