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
    public static string JobScheduleName(AppManifest app, string job) => Within64($"{StackName(app)}-{job}");

    /// <summary>The name of what posts the jobs' failures (its connection, API destination and rule), after the stack.</summary>
    public static string JobFailedName(AppManifest app) => Within64($"{StackName(app)}-job-failed");

    /// <summary>A name of at most 64 characters (schedules, EventBridge's resources): a long one cut, with a digest of the whole.</summary>
    private static string Within64(string name) => name.Length <= 64 ? name : name[..55] + "-" + Convert.ToHexString(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8].ToLowerInvariant();

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
            definitions.Add((JsonNode)Ref($"{id}TaskDefinition"));

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
        if (NotifiesJobFailures(app, release))
            foreach (var resource in JobFailureNotification(app)) yield return resource;
    }

    /// <summary>The parameter holding the <c>notify:</c> webhook a job's failure is posted to (NoEcho: the URL often carries a token).</summary>
    public const string NotifyWebhookParameter = "NotifyWebhook";

    /// <summary>Whether the stack posts its jobs' failures: the manifest has jobs and a <c>notify:</c> webhook.</summary>
    private static bool NotifiesJobFailures(AppManifest app, JsonObject? release) => app.Notify is not null && JobsOf(release).Count > 0;

    /// <summary>
    /// A job's failure posted to the app's <c>notify:</c> webhook, with no part of Slipway running: an EventBridge rule on ECS's
    /// "task stopped" events of the jobs' tasks (their group is <c>job:NAME</c>) whose container did not exit 0, sending the
    /// event, reshaped into Slipway's own, to an API destination at the webhook
    /// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html). The webhook's URL is a NoEcho
    /// parameter, never in the template; the connection's key is a placeholder, since a webhook authenticates by its URL.
    /// </summary>
    private static IEnumerable<(string, JsonObject)> JobFailureNotification(AppManifest app)
    {
        yield return ("JobNotifyConnection", Resource("AWS::Events::Connection", new JsonObject
        {
            ["Name"] = JobFailedName(app),
            ["Description"] = $"Slipway: where the failures of the jobs of {app.App} are posted",
            ["AuthorizationType"] = "API_KEY",
            ["AuthParameters"] = new JsonObject
            {
                ["ApiKeyAuthParameters"] = new JsonObject { ["ApiKeyName"] = "X-Slipway-Event", ["ApiKeyValue"] = "job-failed" },
            },
        }));
        yield return ("JobNotifyDestination", Resource("AWS::Events::ApiDestination", new JsonObject
        {
            ["Name"] = JobFailedName(app),
            ["ConnectionArn"] = GetAtt("JobNotifyConnection", "Arn"),
            ["InvocationEndpoint"] = Ref(NotifyWebhookParameter),
            ["HttpMethod"] = "POST",
            ["InvocationRateLimitPerSecond"] = 1,
        }));
        yield return ("JobNotifyRole", ServiceRole("events.amazonaws.com", "post-job-failures", new JsonArray(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = "events:InvokeApiDestination", ["Resource"] = GetAtt("JobNotifyDestination", "Arn"),
        })));
        yield return ("JobFailedRule", Resource("AWS::Events::Rule", new JsonObject
        {
            ["Name"] = JobFailedName(app),
            ["Description"] = $"Slipway: a job of {app.App} whose task stopped without exiting 0",
            ["State"] = "ENABLED",
            ["EventPattern"] = new JsonObject
            {
                ["source"] = new JsonArray("aws.ecs"),
                ["detail-type"] = new JsonArray("ECS Task State Change"),
                ["detail"] = new JsonObject
                {
                    ["clusterArn"] = new JsonArray(GetAtt("Cluster", "Arn")),
                    ["lastStatus"] = new JsonArray("STOPPED"),
                    ["group"] = new JsonArray(new JsonObject { ["prefix"] = "job:" }),
                    ["containers"] = new JsonObject { ["exitCode"] = new JsonArray(new JsonObject { ["anything-but"] = 0 }) },
                },
            },
            ["Targets"] = new JsonArray(new JsonObject
            {
                ["Id"] = "webhook",
                ["Arn"] = GetAtt("JobNotifyDestination", "Arn"),
                ["RoleArn"] = GetAtt("JobNotifyRole", "Arn"),
                ["InputTransformer"] = new JsonObject
                {
                    ["InputPathsMap"] = new JsonObject
                    {
                        ["group"] = "$.detail.group", ["task"] = "$.detail.taskArn", ["exitCode"] = "$.detail.containers[0].exitCode",
                        ["reason"] = "$.detail.stoppedReason", ["startedAt"] = "$.detail.startedAt", ["stoppedAt"] = "$.detail.stoppedAt", ["at"] = "$.time",
                    },
                    ["InputTemplate"] = "{\"event\": \"job failed\", \"app\": \"" + app.App + "\", \"job\": <group>, \"run\": <task>, \"trigger\": \"schedule\", "
                        + "\"result\": <reason>, \"exitCode\": <exitCode>, \"startedAt\": <startedAt>, \"finishedAt\": <stoppedAt>, \"at\": <at>}",
                },
            }),
        }));
    }

    /// <summary>
    /// The role EventBridge Scheduler starts the jobs' tasks with: run these task definitions in this cluster, and hand them the
    /// roles they run with, nothing else; only schedules of this account may take it (the confused deputy).
    /// </summary>
    private static JsonObject JobSchedulerRole(JsonObject release, JsonArray definitions)
    {
        var passed = new JsonArray(GetAtt("ExecutionRole", "Arn"));
        if (release["Properties"]?["TaskRoleArn"] is not null) passed.Add((JsonNode)GetAtt("TaskRole", "Arn"));
        return ServiceRole("scheduler.amazonaws.com", "run-jobs", new JsonArray(
            new JsonObject
            {
                ["Effect"] = "Allow", ["Action"] = "ecs:RunTask", ["Resource"] = definitions,
                ["Condition"] = new JsonObject { ["ArnEquals"] = new JsonObject { ["ecs:cluster"] = GetAtt("Cluster", "Arn") } },
            },
            new JsonObject
            {
                ["Effect"] = "Allow", ["Action"] = "iam:PassRole", ["Resource"] = passed,
                ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" } },
            }));
    }

    /// <summary>
    /// A role an AWS service takes to act for the stack (EventBridge Scheduler, EventBridge): under Slipway's path, within its
    /// boundary, trusted by that service for this account only (the confused deputy), with one inline policy.
    /// </summary>
    private static JsonObject ServiceRole(string service, string policyName, JsonArray statements) => Resource("AWS::IAM::Role", new JsonObject
    {
        ["Path"] = RolePath,
        ["PermissionsBoundary"] = RoleBoundary(),
        ["AssumeRolePolicyDocument"] = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = service }, ["Action"] = "sts:AssumeRole",
                ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["aws:SourceAccount"] = new JsonObject { ["Ref"] = "AWS::AccountId" } } },
            }),
        },
        ["Policies"] = new JsonArray(new JsonObject
        {
            ["PolicyName"] = policyName,
            ["PolicyDocument"] = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements },
        }),
    });
}
