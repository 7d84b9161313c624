using System.Text.Json.Nodes;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Every request Slipway sends to AWS over a whole life on moto (create with secrets, status, logs, a new version,
/// rollback, history, lock, destroy), captured from the wire, is allowed by deploy/aws/iam-policy.json, judged on
/// its action, the ARN of the resource it names and its conditions, as IAM would.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class IamPolicyWireTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private const string Arn = "us-east-1:123456789012";

    /// <summary>The IAM request a recorded call makes: its action and the ARN of the resource it names (IAM's resource types per service).</summary>
    internal static IamRequest RequestOf(RecordedCall call)
    {
        if (call.Service is null)
        {
            Assert.True(call.Form.ContainsKey("Action"), $"an unexpected request: {call.Action}");
            var stack = call.Form.GetValueOrDefault("StackName");
            return new($"cloudformation:{call.Action}", stack is null ? "*" : $"arn:aws:cloudformation:{Arn}:stack/{stack}/00000000-0000-0000-0000-000000000000");
        }
        var body = JsonNode.Parse(call.Body.Length == 0 ? "{}" : call.Body)!;
        string? Field(string name) => body[name]?.GetValue<string>();
        return call.Service switch
        {
            "AmazonEC2ContainerServiceV20141113" => new($"ecs:{call.Action}", (Field("cluster"), body["services"]?[0]?.GetValue<string>(), Field("taskDefinition")) switch
            {
                _ when Field("task") is { } task && task.StartsWith("arn:", StringComparison.Ordinal) => task,
                (_, _, { } arn) when arn.StartsWith("arn:", StringComparison.Ordinal) => arn,
                ({ } cluster, { } service, _) => $"arn:aws:ecs:{Arn}:service/{cluster}/{service}",
                (_, _, { } family) => $"arn:aws:ecs:{Arn}:task-definition/{family}",
                ({ } cluster, null, _) => $"arn:aws:ecs:{Arn}:task/{cluster}/*",
                _ => "*",
            }),
            "AmazonEC2ContainerRegistry_V20150921" => new($"ecr:{call.Action}",
                Field("repositoryName") is { } repository ? $"arn:aws:ecr:{Arn}:repository/{repository}" : "*"),
            "Logs_20140328" => new($"logs:{call.Action}", $"arn:aws:logs:{Arn}:log-group:{Field("logGroupName")}"),
            "AmazonSSM" => new($"ssm:{call.Action}", $"arn:aws:ssm:{Arn}:parameter{Field("Name") ?? body["Names"]![0]!.GetValue<string>()}"),
            "DynamoDB_20120810" => new($"dynamodb:{call.Action}", $"arn:aws:dynamodb:{Arn}:table/{Field("TableName")}"),
            var other => throw new InvalidOperationException($"a request to a service the policy test does not map: {other}.{call.Action}"),
        };
    }

    [Fact]
    public async Task Every_request_of_a_whole_life_on_aws_is_allowed_by_the_published_policy()
    {
        await moto.ResetAsync();
        await using var app = new LocalApp("iam");
        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: IAM_TEST_TOKEN\n");
        var env = new Dictionary<string, string>(moto.Environment) { ["IAM_TEST_TOKEN"] = "s3cr3t" };
        async Task Run(params string[] args)
        {
            var result = await app.Cli.RunAsync([.. args, "-e", "aws", "--file", app.ManifestPath], env, TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.All}");
        }

        var calls = await moto.RecordAsync(async () =>
        {
            await Run("up", "--no-check");
            await Run("status");
            await Run("logs");
            app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
            app.Repo.Commit("v2");
            await Run("up", "--no-check");
            await Run("rollback", "--no-check");
            await Run("releases");
            await Run("lock", "status");
            await Run("destroy", "--yes");
        });

        var requests = calls.Select(RequestOf).Distinct().ToList();
        Assert.Superset(new HashSet<string> { "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteStack",
            "ssm:PutParameter", "ssm:DeleteParameters", "dynamodb:PutItem", "dynamodb:Query", "logs:FilterLogEvents", "ecs:DescribeServices" },
            requests.Select(r => r.Action).ToHashSet());
        var policy = IamPolicy.Load(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json"));
        var denied = requests.Where(r => policy.Evaluate(r) != IamDecision.Allowed).Select(r => $"{r.Action} on {r.Resource}").ToList();
        Assert.True(denied.Count == 0, "denied by deploy/aws/iam-policy.json: " + string.Join(", ", denied));
        // The policy narrowed to this app (package --policy) allows them all too.
        var narrowed = IamPolicy.Parse(Slipway.Platforms.Aws.DeployPolicy.For(Manifests.Load(app.ManifestPath, "aws")));
        var deniedNarrowed = requests.Where(r => narrowed.Evaluate(r) != IamDecision.Allowed).Select(r => $"{r.Action} on {r.Resource}").ToList();
        Assert.True(deniedNarrowed.Count == 0, "denied by the policy narrowed to the app: " + string.Join(", ", deniedNarrowed));
    }
}
