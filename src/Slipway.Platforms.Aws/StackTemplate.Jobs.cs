using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Scheduled jobs (<c>jobs:</c>) on EventBridge Scheduler: each job a schedule that starts an ECS task of a task definition
/// derived from the release's (same image, environment, secrets, volumes and size; the job's command), in the service's subnets.
/// Like workers they are derived from the release resource alone, whose metadata lists them, so a deploy carries every
/// schedule to the new release's image in the same stack update, and a rollback carries them back.
/// </summary>
/// <remarks>
/// EventBridge Scheduler starts a run at each due time: a run still going is not waited for (every job runs as
/// <c>concurrency: allow</c>) and ECS stops no task for its age (a job's <c>timeout</c> is not enforced on aws). A time missed
/// while the target could not be reached is retried for as long as the job's <c>startingDeadline</c> (a minute to a day).
/// </remarks>
public static partial class StackTemplate
{
    public const string JobsKey = "slipway:jobs";

    public static string JobFamily(AppManifest app, string job) => $"{StackName(app)}-job-{job}";

    /// <summary>The schedule's name: at most 64 characters of letters, digits, '-', '_' and '.'.</summary>
    public static string JobScheduleName(AppManifest app, string job)
    {
        var name = $"{StackName(app)}-{job}";
        return name.Length <= 64 ? name : name[..55] + "-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(name)))[..8].ToLowerInvariant();
    }

    private static string JobId(string job) =>
        "Job" + string.Concat(job.Split('-', '_').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>What the release resource's metadata says of its jobs: command, schedule (AWS's syntax), time zone and deadline.</summary>
    private static JsonObject JobsMetadata(AppManifest app) => new(app.Jobs.Select(job =>
    {
        var spec = new JsonObject
        {
            ["Command"] = new JsonArray(job.Command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            ["Schedule"] = AwsCron.From(job.Schedule, out _) ?? throw new InvalidOperationException($"job {job.Name}: checked by CheckInputs"),
            ["TimeZone"] = job.Schedule.TimeZone.Id,
        };
        if (job.StartingDeadline is { } deadline) spec["DeadlineSeconds"] = (int)deadline.TotalSeconds;
        return new KeyValuePair<string, JsonNode?>(job.Name, spec);
    }));

    /// <summary>The job names a release resource schedules, in order.</summary>
    public static IReadOnlyList<string> JobsOf(JsonObject? release) =>
        release?["Metadata"]?[JobsKey] is JsonObject jobs ? jobs.Select(j => j.Key).ToList() : [];

    private static IEnumerable<(string, JsonObject)> Jobs(AppManifest app, JsonObject release)
    {
        if (release["Metadata"]?[JobsKey] is not JsonObject jobs || jobs.Count == 0) yield break;
        var definitions = new JsonArray();
        foreach (var (name, spec) in jobs)
        {
            var id = JobId(name);
            yield return ($"{id}TaskDefinition", DerivedTaskDefinition(release, JobFamily(app, name), name, spec!["Command"]!));
            definitions.Add(Ref($"{id}TaskDefinition"));

            var retry = new JsonObject { ["MaximumRetryAttempts"] = 185 };
            retry["MaximumEventAgeInSeconds"] = Math.Clamp(spec!["DeadlineSeconds"]?.GetValue<int>() ?? 86_400, 60, 86_400);
            yield return ($"{id}Schedule", Resource("AWS::Scheduler::Schedule", new JsonObject
            {
                ["Name"] = JobScheduleName(app, name),
                ["Description"] = $"Slipway: job {name} of {app.App}",
                ["ScheduleExpression"] = spec["Schedule"]!.DeepClone(),
                ["ScheduleExpressionTimezone"] = spec["TimeZone"]!.DeepClone(),
                ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = "OFF" },
                ["State"] = "ENABLED",
                ["Target"] = new JsonObject
                {
                    ["Arn"] = GetAtt("Cluster", "Arn"),
                    ["RoleArn"] = GetAtt("JobSchedulerRole", "Arn"),
                    ["RetryPolicy"] = retry,
                    ["EcsParameters"] = new JsonObject
                    {
                        ["TaskDefinitionArn"] = Ref($"{id}TaskDefinition"),
                        ["LaunchType"] = "FARGATE",
                        ["TaskCount"] = 1,
                        ["Group"] = $"job:{name}",
                        ["NetworkConfiguration"] = TaskNetwork(app),
                    },
                },
            }, [.. NetworkDependencies(app), .. StorageDependencies(app, release)]));
        }
        yield return ("JobSchedulerRole", JobSchedulerRole(release, definitions));
    }

    /// <summary>
    /// The role EventBridge Scheduler starts the jobs' tasks with: run these task definitions in this cluster, and hand them the
    /// roles they run with, nothing else; only schedules of this account may take it (the confused deputy).
    /// </summary>
    private static JsonObject JobSchedulerRole(JsonObject release, JsonArray definitions)
    {
        var passed = new JsonArray(GetAtt("ExecutionRole", "Arn"));
        if (release["Properties"]?["TaskRoleArn"] is not null) passed.Add(GetAtt("TaskRole", "Arn"));
        return Resource("AWS::IAM::Role", new JsonObject
        {
            ["Path"] = RolePath,
            ["PermissionsBoundary"] = RoleBoundary(),
            ["AssumeRolePolicyDocument"] = new JsonObject
            {
                ["Version"] = "2012-10-17",
                ["Statement"] = new JsonArray(new JsonObject
                {
                    ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = "scheduler.amazonaws.com" }, ["Action"] = "sts:AssumeRole",
                    ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["aws:SourceAccount"] = new JsonObject { ["Ref"] = "AWS::AccountId" } } },
                }),
            },
            ["Policies"] = new JsonArray(new JsonObject
            {
                ["PolicyName"] = "run-jobs",
                ["PolicyDocument"] = new JsonObject
                {
                    ["Version"] = "2012-10-17",
                    ["Statement"] = new JsonArray(
                        new JsonObject
                        {
                            ["Effect"] = "Allow", ["Action"] = "ecs:RunTask", ["Resource"] = definitions,
                            ["Condition"] = new JsonObject { ["ArnEquals"] = new JsonObject { ["ecs:cluster"] = GetAtt("Cluster", "Arn") } },
                        },
                        new JsonObject
                        {
                            ["Effect"] = "Allow", ["Action"] = "iam:PassRole", ["Resource"] = passed,
                            ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" } },
                        }),
                },
            }),
        });
    }
}
